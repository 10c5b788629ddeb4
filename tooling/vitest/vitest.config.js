import { defineSuiteConfig } from './index.js';

export default defineSuiteConfig('test-results');
