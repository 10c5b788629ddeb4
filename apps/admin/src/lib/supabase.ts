import { createClient } from '@supabase/supabase-js';
import { config } from './config';

/** The one Supabase client: sign-in, session refresh and every data call. */
export const supabase = createClient(config.VITE_SUPABASE_URL, config.VITE_SUPABASE_ANON_KEY, {
  auth: { persistSession: true, autoRefreshToken: true, detectSessionInUrl: false },
});
