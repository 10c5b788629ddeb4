export { type DataverseClientOptions, DataverseWebApiClient } from './dataverse-client.js';
export {
  type DataverseEntityMapping,
  defaultEntityMapping,
  LOGICAL_NAME,
  recordBody,
  recordPath,
} from './entity-mapping.js';
export {
  type AccessTokenProvider,
  createMsalTokenProvider,
  type MsalTokenProviderOptions,
} from './msal-token-provider.js';
