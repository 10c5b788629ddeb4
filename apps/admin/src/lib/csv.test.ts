import { describe, expect, it } from 'vitest';
import { toCsv } from './csv';

describe('CSV export', () => {
  it('quotes fields with commas, quotes and line breaks, and keeps Norwegian letters', () => {
    const csv = toCsv(
      ['Navn', 'Notat'],
      [
        ['Åse Ødegård', 'sa "nei", så\nja'],
        ['Bo', null],
      ],
    );
    expect(csv).toBe('\uFEFFNavn,Notat\r\nÅse Ødegård,"sa ""nei"", så\nja"\r\nBo,\r\n');
  });
});

describe('CSV edge cases', () => {
  it('writes only the header when there are no rows', () => {
    expect(toCsv(['Navn', 'Årsak'], [])).toBe('\uFEFFNavn,Årsak\r\n');
  });

  it('quotes semicolons (the separator Norwegian spreadsheets assume) and a lone carriage return', () => {
    expect(toCsv(['a'], [['x;y'], ['line\rbreak']])).toBe('\uFEFFa\r\n"x;y"\r\n"line\rbreak"\r\n');
  });

  it('writes numbers as they are and an empty note as an empty field, not "null"', () => {
    expect(toCsv(['n', 'note', 'm'], [[0, null, 12.5]])).toBe('\uFEFFn,note,m\r\n0,,12.5\r\n');
  });
});
