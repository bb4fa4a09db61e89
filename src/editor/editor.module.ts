import { Module } from '@nestjs/common';
import { EditorAuthGuard } from './editor-auth.guard';

/** Editor authentication (and, later, the editor screens). */
@Module({
  providers: [EditorAuthGuard],
  exports: [EditorAuthGuard],
})
export class EditorModule {}
