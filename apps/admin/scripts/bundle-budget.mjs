// The bundle budget (checked by `build`): the JavaScript the first page loads (the entry
// script and every module it preloads, as dist/index.html names them) must stay at or under
// 250 KB gzipped. Prints the figure and writes dist/bundle-budget.json.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const BUDGET_BYTES = 250 * 1024;
const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const scripts = [
  ...html.matchAll(/<script[^>]+type="module"[^>]+src="([^"]+)"/g),
  ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g),
].map((match) => match[1]);
if (scripts.length === 0) throw new Error('no module script in dist/index.html');
const files = scripts.map((src) => {
  const bytes = readFileSync(path.join(dist, src.replace(/^\//, '')));
  return { file: src, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
});
const gzipBytes = files.reduce((sum, file) => sum + file.gzipBytes, 0);
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
for (const file of files)
  console.log(`  ${file.file.padEnd(40)} ${kb(file.bytes)}  gzip ${kb(file.gzipBytes)}`);
console.log(`first page JavaScript: ${kb(gzipBytes)} gzipped (budget ${kb(BUDGET_BYTES)})`);
writeFileSync(
  path.join(dist, 'bundle-budget.json'),
  `${JSON.stringify({ gzipBytes, budgetBytes: BUDGET_BYTES, files }, null, 2)}\n`,
);
if (gzipBytes > BUDGET_BYTES) {
  console.error('over the bundle budget');
  process.exit(1);
}
