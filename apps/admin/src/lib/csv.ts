/** One CSV field (RFC 4180): quoted when it holds a separator, quote or line break. */
function field(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /[";,\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** CSV text: CRLF lines, a byte-order mark so spreadsheet programs read æøå correctly. */
export function toCsv(header: string[], rows: (string | number | null)[][]): string {
  return `\uFEFF${[header, ...rows].map((row) => row.map(field).join(',')).join('\r\n')}\r\n`;
}

/** Hands the person a CSV file, as a download named `filename`. */
export function downloadCsv(
  filename: string,
  header: string[],
  rows: (string | number | null)[][],
) {
  const url = URL.createObjectURL(
    new Blob([toCsv(header, rows)], { type: 'text/csv;charset=utf-8' }),
  );
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  // The browser reads the blob after the click returns; revoking it at once loses the download
  // when the machine is busy. A minute is plenty, and the blob is small.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
