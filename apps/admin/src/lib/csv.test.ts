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
