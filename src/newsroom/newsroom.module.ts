import { Module } from '@nestjs/common';
import { ArticlesModule } from '../articles/articles.module';
import { DeliverabilityModule } from '../deliverability/deliverability.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { DeliverabilityController } from './deliverability.controller';
import { DigestsModule } from '../digests/digests.module';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { AccountController } from './account.controller';
import { BreakingController } from './breaking.controller';
import { EditionsController } from './editions.controller';
import { NewsroomFeedsController } from './feeds.controller';
import { FeedsCard } from './feeds-card';
import { MailController } from './mail.controller';
import { ReaderImportController } from './reader-import.controller';
import { ReadersController } from './readers.controller';
import { TopicMerge } from './topic-merge';
import { StepUpController } from './step-up.controller';
import { TopicsController } from './topics.controller';
import { DashboardController, RootController } from './dashboard.controller';
import { EditorInvitations } from './editor-invitations';
import { EditorsController } from './editors.controller';
import { InviteController } from './invite.controller';
import { NewsroomAssetsController } from './newsroom-assets.controller';
import { NewsroomView } from './newsroom-view';
import { NextDigestSendController } from './next-digest-send.controller';
import { NextDigestController } from './next-digest.controller';
// After NextDigestController: form-errors.filter and next-digest.controller import each other.
import { NewslettersController } from './newsletters.controller';
import { NextDigestViewModel } from './next-digest.view';
import { SettingsController } from './settings.controller';
import { SignInController } from './sign-in.controller';
import { AccountTwoStepController } from './account-two-step.controller';
import { NewDeviceNotice } from './new-device-notice';
import { SecondStepController } from './second-step.controller';
import { SignInFlow } from './sign-in-flow';
import { SignInSettingsController } from './sign-in-settings.controller';
import { SsoController } from './sso.controller';
import { TotpQrCode } from './totp-qr-code';
import { FormController } from './form.controller';

/**
 * The editors' screens under /admin (server-rendered Handlebars, htmx for partial updates). They call the
 * other modules' services; no module imports this one. AuthModule is global: guards and AuditLog need no import.
 */
@Module({
  imports: [DigestsModule, SubscribersModule, ArticlesModule, DeliveryModule, DeliverabilityModule],
  controllers: [
    RootController,
    NewsroomAssetsController,
    SignInController,
    // Before nothing that would take /admin/login/… as a parameter; public like the sign-in form.
    SecondStepController,
    SsoController,
    InviteController,
    DashboardController,
    AccountController,
    AccountTwoStepController,
    EditorsController,
    // ReaderImportController before ReadersController: /admin/readers/import is not a reader id.
    ReaderImportController,
    ReadersController,
    TopicsController,
    NewslettersController,
    NewsroomFeedsController,
    MailController,
    NextDigestController,
    NextDigestSendController,
    SettingsController,
    SignInSettingsController,
    BreakingController,
    EditionsController,
    StepUpController,
    DeliverabilityController,
    FormController,
  ],
  providers: [
    NewsroomView,
    EditorInvitations,
    SignInFlow,
    NewDeviceNotice,
    TotpQrCode,
    TopicMerge,
    FeedsCard,
    NextDigestViewModel,
  ],
  exports: [NewsroomView, FeedsCard],
})
export class NewsroomModule {}
