import { Module } from '@nestjs/common';
import { DigestsModule } from '../digests/digests.module';
import { DashboardController, RootController } from './dashboard.controller';
import { NewsroomAssetsController } from './newsroom-assets.controller';
import { NewsroomView } from './newsroom-view';
import { NextDigestSendController } from './next-digest-send.controller';
import { NextDigestController } from './next-digest.controller';
import { NextDigestViewModel } from './next-digest.view';
import { SettingsController } from './settings.controller';
import { SignInController } from './sign-in.controller';

/**
 * The editors' screens under /admin (server-rendered Handlebars, htmx for partial updates). They call the
 * other modules' services; no module imports this one. AuthModule is global: guards and AuditLog need no import.
 */
@Module({
  imports: [DigestsModule],
  controllers: [
    RootController,
    NewsroomAssetsController,
    SignInController,
    DashboardController,
    NextDigestController,
    NextDigestSendController,
    SettingsController,
  ],
  providers: [NewsroomView, NextDigestViewModel],
  exports: [NewsroomView],
})
export class NewsroomModule {}
