import { OperationsPage } from '../features/operations';
import { useSignedInCaller } from './signed-in';

// The operations panel's route (its own lazily loaded chunk): the feature with the caller.
export function Operations() {
  return <OperationsPage caller={useSignedInCaller()} />;
}
