import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { DigestsModule } from '../digests/digests.module';
import { BreakingController } from './breaking.controller';
import { DashboardController, RootController } from './dashboard.controller';
import { EditionsController } from './editions.controller';
import { NewsroomAssetsController } from './newsroom-assets.controller';
import { NewsroomView } from './newsroom-view';
import { SignInController } from './sign-in.controller';

/**
 * The editors' screens under /admin (server-rendered Handlebars, htmx for partial updates). They call the
 * other modules' services; no module imports this one. AuthModule is global: guards and AuditLog need no import.
 */
@Module({
  imports: [DigestsModule, DeliveryModule],
  controllers: [
    RootController,
    NewsroomAssetsController,
    SignInController,
    DashboardController,
    BreakingController,
    EditionsController,
  ],
  providers: [NewsroomView],
  exports: [NewsroomView],
})
export class NewsroomModule {}
