import type { TestProject } from 'vitest/node';
import { readEnv } from '../env.js';
import { createTemplateDatabase, startTestServer } from './test-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabaseServer: { adminUrl: string; template: string };
  }
}

/**
 * vitest global setup: reuses the server and template the test runner prepared
 * (PM_TEST_ADMIN_URL, PM_TEST_TEMPLATE_DATABASE), or prepares its own when vitest runs alone.
 */
export default async function setup(project: TestProject) {
  const env = readEnv();
  if (env.PM_TEST_ADMIN_URL && env.PM_TEST_TEMPLATE_DATABASE) {
    project.provide('testDatabaseServer', {
      adminUrl: env.PM_TEST_ADMIN_URL,
      template: env.PM_TEST_TEMPLATE_DATABASE,
    });
    return;
  }
  const server = await startTestServer();
  const template = `pm_template_${process.pid}`;
  await createTemplateDatabase(server.adminUrl, template);
  project.provide('testDatabaseServer', { adminUrl: server.adminUrl, template });
  return () => server.stop();
}
