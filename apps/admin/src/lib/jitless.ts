import { z } from 'zod';

// Imported first by main.tsx, before any schema exists. Zod 4 compiles object parsers with
// `new Function` and probes for it when a schema is created; under the console's CSP (no
// 'unsafe-eval', DEPLOYING.md) that probe is a reported violation. Jitless parsing needs no eval.
z.config({ jitless: true });
