import 'reflect-metadata';
import { loadConfig, loadDevelopmentEnvFile, orExit } from '@libs/config';
import { createApp } from './app.factory';

async function main(): Promise<void> {
  loadDevelopmentEnvFile();
  const config = orExit(() => loadConfig());
  const app = await createApp(config);
  await app.listen({ port: config.port, host: '0.0.0.0' });
}

main().catch((err: Error) => {
  process.stderr.write(`entraide failed to start: ${err.message}\n`);
  process.exit(1);
});
