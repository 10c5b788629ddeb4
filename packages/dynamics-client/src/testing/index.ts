export { InMemoryPortal, type PortalRecord } from '../adapters/in-memory/in-memory-portal.js';
export {
  type FakeDataverseOptions,
  FakeDataverseServer,
  type FakeFault,
  type FakeRequest,
  type FaultScope,
} from './fake-dataverse-server.js';
