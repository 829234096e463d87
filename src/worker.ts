import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfig, loadDevelopmentEnvFile, orExit } from '@libs/config';
import { createLogger, PinoNestLogger } from '@libs/logging';
import { WorkerModule } from './worker.module';

/** Workers alone, without HTTP: `npm run worker`. */
async function main(): Promise<void> {
  loadDevelopmentEnvFile();
  const config = orExit(() => loadConfig());
  const logger = createLogger(config.logLevel, 'entraide-worker');
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: new PinoNestLogger(logger),
    // Fail with our one line below rather than Nest's abort.
    abortOnError: false,
  });
  app.enableShutdownHooks();
  logger.info('workers started');
}

main().catch((err: Error) => {
  process.stderr.write(`entraide worker failed to start: ${err.message}\n`);
  process.exit(1);
});
