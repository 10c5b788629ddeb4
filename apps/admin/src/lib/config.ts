import { z } from 'zod';

/**
 * Where the console finds Supabase. The build reads `VITE_SUPABASE_URL`/`VITE_SUPABASE_ANON_KEY`;
 * a server may instead hand the same two values to a prebuilt bundle through `/env.js`
 * (`window.__PM_ENV__`), so one build serves any project.
 */
const ConsoleConfig = z.object({
  VITE_SUPABASE_URL: z.url(),
  VITE_SUPABASE_ANON_KEY: z.string().min(1),
});

declare global {
  interface Window {
    __PM_ENV__?: Record<string, string>;
  }
}

export const config = ConsoleConfig.parse({
  VITE_SUPABASE_URL: window.__PM_ENV__?.VITE_SUPABASE_URL ?? import.meta.env.VITE_SUPABASE_URL,
  VITE_SUPABASE_ANON_KEY:
    window.__PM_ENV__?.VITE_SUPABASE_ANON_KEY ?? import.meta.env.VITE_SUPABASE_ANON_KEY,
});
