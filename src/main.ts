import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { ConfigError, loadConfig } from './config/app-config';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from './database/embedded-postgres';

async function bootstrap(): Promise<void> {
  const logger = new Logger('Bootstrap');
  const config = loadConfig(process.env);

  let embedded: EmbeddedPostgresHandle | undefined;
  if (!config.env.DATABASE_URL) {
    embedded = await startEmbeddedPostgres(config.embeddedPgDir);
  }
  const databaseUrl = config.env.DATABASE_URL ?? embedded!.url;

  const serveHttp = config.env.NASHRA_ROLE !== 'worker';
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ config, databaseUrl }), {
    bufferLogs: true,
  });
  configureApp(app);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.log(`${signal} received: finishing running work and shutting down`);
    // app.close() stops the HTTP server from taking new requests, runs the modules' shutdown hooks (workers
    // hand back unfinished claims), then closes the database pool.
    await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void shutdown(signal));
  }

  if (serveHttp) {
    await app.listen(config.env.PORT);
    logger.log(`nashra (${config.env.NASHRA_ROLE}) listening on ${config.publicBaseUrl}`);
  } else {
    await app.init();
    logger.log('nashra worker started (no HTTP)');
  }
}

bootstrap().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
  } else {
    console.error('nashra failed to start:', err);
  }
  process.exit(1);
});
