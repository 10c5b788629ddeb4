export { type TestDatabase, useTestDatabase } from './test-database.js';
export {
  cloneDatabase,
  createTemplateDatabase,
  databaseUrl,
  dropDatabase,
  startTestServer,
  type TestServer,
} from './test-server.js';
