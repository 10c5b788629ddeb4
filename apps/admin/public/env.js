// Replaced at serve time with the Supabase URL and anon key (see README).
