import type { TFunction } from 'i18next';
import { describe, expect, it } from 'vitest';
import { nb } from '../../lib/locales/nb';
import { membershipErrorMessage } from './membership-errors';

const t = ((key: string) =>
  key
    .split('.')
    .reduce<unknown>(
      (node, part) => (node as Record<string, unknown> | undefined)?.[part],
      nb,
    )) as unknown as TFunction;

describe('the words for a failed membership administration call', () => {
  it('says why a PM422 was refused when the call knows (the last org admin)', () => {
    expect(
      membershipErrorMessage(t, { invalid: nb.organization.lastAdmin }, { code: 'PM422' }),
    ).toBe(
      'Organisasjonen må ha minst én organisasjonsadministrator. Gjør en annen til administrator først.',
    );
  });

  it('falls back to the catalog for a PM422 the call has no words for', () => {
    expect(membershipErrorMessage(t, {}, { code: 'PM422' })).toBe(nb.errors.invalid_argument);
  });

  it('uses the catalog for every other code, whatever the call says about PM422', () => {
    expect(
      membershipErrorMessage(t, { invalid: nb.organization.lastAdmin }, { code: 'PM403' }),
    ).toBe(nb.errors.forbidden);
    expect(membershipErrorMessage(t, { invalid: 'x' }, { code: 'XX000', message: 'raw' })).toBe(
      nb.errors.unknown,
    );
  });
});
