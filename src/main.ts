import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { logDestination, PinoNestLogger, startupPino } from './common/logging';
import {
  assertPortAvailable,
  boundHeapGrowth,
  portProblem,
  PortUnavailableError,
  startupBanner,
} from './common/start-up';
import { ConfigError, loadConfig } from './config/app-config';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from './database/embedded-postgres';

const SHUTDOWN_GRACE_MS = 30_000;

async function bootstrap(): Promise<void> {
  const config = loadConfig(process.env);
  // Until the app's own logger takes over, Nest's Logger (embedded PostgreSQL's start) writes through pino too,
  // in the same format: no coloured Nest default lines.
  Logger.overrideLogger(new PinoNestLogger(startupPino(config, logDestination())));
  const logger = new Logger('Bootstrap');
  if (config.runsBackgroundWork) {
    boundHeapGrowth(config.delivery.heapGrowthPercent);
  }
  if (config.servesHttp) {
    await assertPortAvailable(config.runtime.port);
  }

  let embedded: EmbeddedPostgresHandle | undefined;
  if (!config.database.url) {
    embedded = await startEmbeddedPostgres(config.embeddedPgDir, undefined, { avoidPort: config.runtime.port });
  }
  const databaseUrl = config.database.url ?? embedded!.url;

  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ config, databaseUrl }), {
      bufferLogs: true,
    });
    configureApp(app);
  } catch (err) {
    // Do not leave an embedded server behind when the app itself cannot start.
    await embedded?.stop().catch(() => undefined);
    throw err;
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.log(`${signal} received: finishing running work and shutting down`);
    // A hung shutdown hook must not keep the process (and its claims) alive forever: leases expire anyway.
    setTimeout(() => {
      logger.error(`Shutdown took longer than ${SHUTDOWN_GRACE_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    // app.close() stops the HTTP server from taking new requests, runs the modules' shutdown hooks (workers
    // hand back unfinished claims), then closes the database pool.
    await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void shutdown(signal));
  }

  if (config.servesHttp) {
    try {
      await app.listen(config.runtime.port);
    } catch (err) {
      const problem = portProblem(err, config.runtime.port);
      if (!problem) {
        throw err;
      }
      // Taken since assertPortAvailable: stop what started, then say it in one line.
      await app.close().catch(() => undefined);
      await embedded?.stop().catch(() => undefined);
      throw new PortUnavailableError(problem);
    }
  } else {
    await app.init();
    // Nest releases logs buffered during start-up only in listen(); a worker never listens.
    app.flushLogs();
  }
  logger.log(startupBanner(config, embedded !== undefined));
}

bootstrap().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof PortUnavailableError) {
    console.error(err.message);
  } else {
    console.error('nashra failed to start:', err);
  }
  process.exit(1);
});
