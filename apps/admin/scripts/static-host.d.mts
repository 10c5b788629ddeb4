// Types of static-host.mjs (plain JavaScript so deploy scripts run with node alone).
export interface HeaderRule {
  /** A path, or a prefix ending in `*`, as in a `_headers` file. */
  path: string;
  headers: Record<string, string>;
}
export interface ConsoleEnv {
  supabaseUrl: string;
  anonKey: string;
}
export declare const REVALIDATED_PATHS: string[];
export declare const HASHED_ASSETS: string;
export declare class ConsoleEnvError extends Error {
  problems: string[];
  constructor(problems: string[]);
}
export declare function parseConsoleEnv(env: Record<string, string | undefined>): ConsoleEnv;
export declare function envScript(env: ConsoleEnv): string;
export declare function contentSecurityPolicy(supabaseUrl: string): string;
export declare function headerRules(supabaseUrl: string): HeaderRule[];
export declare function headersFor(rules: HeaderRule[], pathname: string): Record<string, string>;
export declare function headersFile(rules: HeaderRule[]): string;
