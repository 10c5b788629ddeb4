export { OperationsPage } from './operations-page';
export { operationsKeys } from './queries';
