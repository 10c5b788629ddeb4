import { defineSuiteConfig } from '@peer-mentor/vitest-config';

// Logic that lives outside the browser flow (form rules, error wording); the pages themselves
// are tested in Chromium by Playwright (e2e/).
export default defineSuiteConfig('admin');
