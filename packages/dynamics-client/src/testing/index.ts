export {
  InMemoryPortal,
  type InMemoryPortalOptions,
  type PortalRecord,
} from '../adapters/in-memory/in-memory-portal.js';
export {
  dataverseLimits,
  type FakeDataverseOptions,
  FakeDataverseServer,
  type FakeFault,
  type FakeRequest,
  type FaultScope,
  type ServiceProtectionLimits,
} from './fake-dataverse-server.js';
export {
  type FakeAlternateKey,
  type FakeColumn,
  type FakeKeyIndexStatus,
  type FakeTable,
  preparedTable,
} from './fake-table.js';
