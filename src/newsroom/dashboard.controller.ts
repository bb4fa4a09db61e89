import { Controller, Get, Redirect, Req, Res } from '@nestjs/common';
import { ApiExcludeController, ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuditLog } from '../auth/audit-log';
import { NewsroomPage } from '../auth/newsroom-page';
import { NewsroomView } from './newsroom-view';

/** `/` belongs to editors (readers arrive through links and the embedded form): it opens the newsroom. */
@ApiExcludeController()
@Controller()
export class RootController {
  @Get()
  @ApiExcludeEndpoint()
  @Redirect('/admin', 302)
  root(): void {}
}

@Controller('admin')
@NewsroomPage()
export class DashboardController {
  constructor(
    private readonly view: NewsroomView,
    private readonly audit: AuditLog,
  ) {}

  @Get()
  async dashboard(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.view.page(req, res, 'dashboard', { audit: await this.audit.recent(20) });
  }
}
