/**
 * Calls `onInterrupt` once per Ctrl-C, SIGINT or SIGTERM.
 *
 * On a terminal, Ctrl-C is read as a key (the terminal in raw mode) instead of becoming a
 * SIGINT for the whole foreground process group. That group holds the pnpm processes of
 * `pnpm start` too, and pnpm 12.4 has no SIGINT handler: it would die at once, print
 * ERR_PNPM_RECURSIVE_RUN_FIRST_FAIL and exit 130 while this process was still stopping
 * cleanly (fixed in later pnpm releases, pnpm/pnpm#14735). Read as a key, only this process
 * hears it, stops, exits 0, and pnpm exits with that. Without a terminal (a service manager,
 * a test) the signals are what arrive, and they are handled the same way.
 */
export function onInterrupt(handler: (cause: string) => void): void {
  // `on`, not `once`: tsx relays a signal only to a child that still listens for it, and a
  // second Ctrl-C while stopping must not kill the process halfway.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => handler(signal));
  const input = process.stdin;
  if (!input.isTTY) return;
  input.setRawMode(true);
  // Raw mode also stops the terminal from echoing keys; give it back as it was on any exit.
  process.on('exit', () => input.setRawMode(false));
  const CTRL_C = 0x03;
  input.on('data', (chunk: Buffer) => {
    if (chunk.includes(CTRL_C)) handler('Ctrl-C');
  });
}
