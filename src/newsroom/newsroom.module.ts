import { Module } from '@nestjs/common';
import { ArticlesModule } from '../articles/articles.module';
import { DeliveryModule } from '../delivery/delivery.module';
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
import { TopicsController } from './topics.controller';
import { DashboardController, RootController } from './dashboard.controller';
import { EditorInvitations } from './editor-invitations';
import { EditorsController } from './editors.controller';
import { InviteController } from './invite.controller';
import { NewsroomAssetsController } from './newsroom-assets.controller';
import { NewsroomView } from './newsroom-view';
import { NextDigestSendController } from './next-digest-send.controller';
import { NextDigestController } from './next-digest.controller';
import { NextDigestViewModel } from './next-digest.view';
import { SettingsController } from './settings.controller';
import { SignInController } from './sign-in.controller';
import { FormController } from './form.controller';

/**
 * The editors' screens under /admin (server-rendered Handlebars, htmx for partial updates). They call the
 * other modules' services; no module imports this one. AuthModule is global: guards and AuditLog need no import.
 */
@Module({
  imports: [DigestsModule, SubscribersModule, ArticlesModule, DeliveryModule],
  controllers: [
    RootController,
    NewsroomAssetsController,
    SignInController,
    InviteController,
    DashboardController,
    AccountController,
    EditorsController,
    // ReaderImportController before ReadersController: /admin/readers/import is not a reader id.
    ReaderImportController,
    ReadersController,
    TopicsController,
    NewsroomFeedsController,
    MailController,
    NextDigestController,
    NextDigestSendController,
    SettingsController,
    BreakingController,
    EditionsController,
    FormController,
  ],
  providers: [NewsroomView, EditorInvitations, TopicMerge, FeedsCard, NextDigestViewModel],
  exports: [NewsroomView, FeedsCard],
})
export class NewsroomModule {}
