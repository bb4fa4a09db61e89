import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
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
import { ReaderExceptionFilter } from './subscribers/reader-exception.filter';
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
      providers: [
        // App-wide: request DTOs validated at the edge, and readers' errors answered as pages or JSON.
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
        },
        { provide: APP_FILTER, useClass: ReaderExceptionFilter },
      ],
    };
  }
}
