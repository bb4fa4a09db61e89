import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { LoggerModule } from 'nestjs-pino';
import { ArticlesModule } from './articles/articles.module';
import { CommonModule } from './common/common.module';
import { loggerParams } from './common/logging';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DeliverabilityModule } from './deliverability/deliverability.module';
import { DeliveryModule } from './delivery/delivery.module';
import { DigestsModule } from './digests/digests.module';
import { EngagementModule } from './engagement/engagement.module';
import { AuthModule } from './auth/auth.module';
import { HealthModule } from './health/health.module';
import { NewsroomModule } from './newsroom/newsroom.module';
import { SubscribersModule } from './subscribers/subscribers.module';

export interface AppModuleOptions {
  config: AppConfig;
  /** DATABASE_URL, or the URL of the embedded server main.ts started. */
  databaseUrl: string;
}

@Module({})
export class AppModule {
  static forRoot({ config, databaseUrl }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config)),
        DatabaseModule.forRoot(databaseUrl),
        ScheduleModule.forRoot(),
        CommonModule,
        HealthModule,
        AuthModule,
        SubscribersModule,
        EngagementModule,
        ArticlesModule,
        DigestsModule,
        DeliveryModule,
        DeliverabilityModule,
        NewsroomModule,
      ],
    };
  }
}
