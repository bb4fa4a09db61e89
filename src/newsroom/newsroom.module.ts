import { Module } from '@nestjs/common';
import { DashboardController, RootController } from './dashboard.controller';
import { NewsroomAssetsController } from './newsroom-assets.controller';
import { NewsroomView } from './newsroom-view';
import { SignInController } from './sign-in.controller';

/**
 * The editors' screens under /admin (server-rendered Handlebars, htmx for partial updates). They call the
 * other modules' services; no module imports this one. AuthModule is global: guards and AuditLog need no import.
 */
@Module({
  controllers: [RootController, NewsroomAssetsController, SignInController, DashboardController],
  providers: [NewsroomView],
  exports: [NewsroomView],
})
export class NewsroomModule {}
