import { domainErrorCatalog } from '@peer-mentor/contracts';
import type { TFunction } from 'i18next';
import { describe, expect, it } from 'vitest';
import { errorMessage, isConflict } from './errors';
import { en } from './locales/en';
import { nb } from './locales/nb';

const wording = (dictionary: typeof nb) =>
  ((key: string) =>
    key
      .split('.')
      .reduce<unknown>(
        (node, part) => (node as Record<string, unknown> | undefined)?.[part],
        dictionary,
      ) ?? `missing:${key}`) as unknown as TFunction;

describe('error messages', () => {
  it.each(domainErrorCatalog.map((entry) => [entry.code, entry.name]))(
    '%s (%s) has its own plain words in Norwegian and English',
    (code) => {
      for (const dictionary of [nb, en]) {
        const message = errorMessage(wording(dictionary), { code, message: 'raw text' });
        expect(message).not.toMatch(/^missing:/);
        expect(message).not.toBe(dictionary.errors.unknown);
      }
    },
  );

  it('never shows the server text of an unknown error', () => {
    const message = errorMessage(wording(nb), {
      code: '42P01',
      message: 'relation does not exist',
    });
    expect(message).toBe(nb.errors.unknown);
  });

  it('treats PM409 and PM410 as someone else acting first', () => {
    expect(isConflict({ code: 'PM409' })).toBe(true);
    expect(isConflict({ code: 'PM410' })).toBe(true);
    expect(isConflict({ code: 'PM423' })).toBe(false);
  });
});
