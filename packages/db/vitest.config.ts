import { defineSuiteConfig } from '@peer-mentor/vitest-config';

export default defineSuiteConfig('db', {
  test: {
    globalSetup: ['./src/testing/global-setup.ts'],
  },
});
