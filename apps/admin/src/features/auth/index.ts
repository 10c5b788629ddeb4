export { type Caller, useCaller, useSession } from './session';
export { SignInPage } from './sign-in-page';
