import 'reflect-metadata';
import { loadConfig, loadDevelopmentEnvFile, orExit } from '@libs/config';
import { createDevApp } from './dev-app';
import { startDemoIdentity } from './oidc-provider/demo-identity';

/** `npm run dev` (and the end of `npm run demo`): the API of src/main.ts plus the development inbox. */
async function main(): Promise<void> {
  loadDevelopmentEnvFile();
  const config = orExit(() => loadConfig());
  await startDemoIdentity(config);
  const app = await createDevApp(config);
  await app.listen({ port: config.port, host: '0.0.0.0' });
}

main().catch((err: Error) => {
  process.stderr.write(`entraide failed to start: ${err.message}\n`);
  process.exit(1);
});
