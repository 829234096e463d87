import { dropDatabase, withMaintenance } from './pg-admin';

export default async function globalTeardown(): Promise<void> {
  const template = process.env.ENTRAIDE_TEST_TEMPLATE;
  if (template) await withMaintenance((c) => dropDatabase(c, template));
}
