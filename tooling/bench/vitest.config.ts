import { defineSuiteConfig } from '@peer-mentor/vitest-config';

export default defineSuiteConfig('bench');
