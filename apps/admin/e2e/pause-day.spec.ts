import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, expectAccessible, personSignsIn, screenshots, test } from './support/fixtures';

// A coordinator's day, as people do it in their own browsers against the main job.

/** The file a click hands the person: its name and text. */
async function downloaded(page: Page, click: () => Promise<void>) {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: download.suggestedFilename(), text: readFileSync(await download.path(), 'utf8') };
}

test('a wrong password is refused in plain words, and the sign-in page is accessible', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Logg inn' })).toBeVisible();
  await expectAccessible(page, 'the sign-in page');
  await screenshots(page, 'sign-in');
  await page.getByLabel('E-post').fill('kari.coordinator@hlf.demo');
  await page.getByLabel('Passord', { exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: 'Logg inn' }).click();
  await expect(page.getByRole('alert')).toHaveText('Feil e-post eller passord.');
});

test('a coordinator sees their chapters with counts, pauses a mentor and finds the pause in the chapter and the timeline', async ({
  browser,
}) => {
  const page = await personSignsIn(browser, 'kari.coordinator@hlf.demo');
  await expect(page.getByRole('heading', { name: 'Lokallag' })).toBeVisible();
  // Kari coordinates Oslo and Bergen, not Trondheim. Oslo: Jonas is paused by the demo data.
  const oslo = page.getByRole('row', { name: /Oslo/ });
  await expect(oslo).toContainText('1');
  await expect(page.getByRole('row', { name: /Bergen/ })).toBeVisible();
  await expect(page.getByRole('row', { name: /Trondheim/ })).toHaveCount(0);
  await expectAccessible(page, 'the home page');
  await screenshots(page, 'home');

  await page.getByRole('link', { name: 'Oslo' }).click();
  await expect(page.getByRole('heading', { name: 'Oslo', level: 1 })).toBeVisible();
  const roster = page.getByRole('table', { name: 'Likepersoner' });
  await expect(roster.getByRole('row', { name: /Anna Berg/ })).toContainText('Aktiv');
  await expectAccessible(page, 'the chapter page');
  await screenshots(page, 'chapter');

  await page.getByRole('button', { name: 'Sett på pause: Anna Berg' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sett Anna Berg på pause' });
  await expect(dialog).toBeVisible();
  // Only the reasons a coordinator may use: never "Sertifisering utløpt" (the system's).
  await dialog.getByRole('combobox', { name: 'Årsak' }).click();
  await expect(page.getByRole('option')).toHaveText([
    'Personlig',
    'Helse',
    'Ferie',
    'Annet',
    'Koordinators beslutning',
  ]);
  await page.getByRole('option', { name: 'Helse' }).click();
  const note = dialog.getByLabel('Notat');
  await note.fill('Trenger hvile etter operasjon');
  await expect(dialog.getByText('29 av 1000 tegn')).toBeVisible();
  await note.fill('x'.repeat(1001));
  await expect(dialog.getByText('1001 av 1000 tegn')).toBeVisible();
  // An expected end before today (Oslo time) is refused before anything is sent.
  await dialog.getByLabel('Forventet slutt (valgfritt)').fill('2020-01-01');
  await dialog.getByRole('button', { name: 'Sett på pause' }).click();
  await expect(dialog.getByText('Notatet kan være høyst 1000 tegn.')).toBeVisible();
  await expect(dialog.getByText(/Datoen kan ikke være før i dag/)).toBeVisible();
  await expectAccessible(page, 'the pause dialog');
  await screenshots(page, 'pause-dialog');

  await note.fill('Trenger hvile etter operasjon');
  const inTwoWeeks = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
  await dialog.getByLabel('Forventet slutt (valgfritt)').fill(inTwoWeeks);
  await dialog.getByRole('button', { name: 'Sett på pause' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status')).toHaveText('Anna Berg er satt på pause.');
  await expect(roster.getByRole('row', { name: /Anna Berg/ })).toContainText('Pause');
  const active = page.getByRole('table', { name: 'Aktive pauser' });
  await expect(active.getByRole('row', { name: /Anna Berg/ })).toContainText(
    'Trenger hvile etter operasjon',
  );
  await expect(active.getByRole('row', { name: /Anna Berg/ })).toContainText('Koordinator');
  const pausesCsv = await downloaded(page, () =>
    page.getByRole('button', { name: 'Eksporter CSV' }).click(),
  );
  expect(pausesCsv.name).toBe('Aktive pauser Oslo.csv');
  expect(pausesCsv.text).toContain('Navn,Årsak,Notat,Siden,Forventet slutt,Pauset av');
  expect(pausesCsv.text).toContain(`Anna Berg,Helse,Trenger hvile etter operasjon,`);
  expect(pausesCsv.text).toContain('Jonas Dahl,Koordinators beslutning');

  await roster.getByRole('link', { name: 'Anna Berg' }).click();
  await expect(page.getByRole('heading', { name: 'Anna Berg', level: 1 })).toBeVisible();
  const timeline = page.getByRole('table', { name: 'Historikk' });
  await expect(timeline.getByRole('row').nth(1)).toContainText('Aktiv → Pause');
  await expect(timeline.getByRole('row').nth(1)).toContainText('Trenger hvile etter operasjon');
  await expect(timeline.getByRole('row').nth(1)).toContainText('Koordinator');
  const timelineCsv = await downloaded(page, () =>
    page.getByRole('button', { name: 'Eksporter CSV' }).click(),
  );
  expect(timelineCsv.name).toBe('Historikk Anna Berg.csv');
  expect(timelineCsv.text.split('\r\n')[1]).toMatch(
    /^.+,Koordinator,Aktiv → Pause,Helse,Trenger hvile etter operasjon,\d{4}-\d{2}-\d{2}$/,
  );
  await expectAccessible(page, 'the mentor page');
  await screenshots(page, 'mentor');
  await page.context().close();
});

test('a second coordinator who acts on a stale page is told in plain words that someone else paused first, and sees the fresh state', async ({
  browser,
}) => {
  const kari = await personSignsIn(browser, 'kari.coordinator@hlf.demo');
  const per = await personSignsIn(browser, 'per.coordinator@hlf.demo');
  for (const page of [kari, per]) {
    await page.getByRole('link', { name: 'Oslo' }).click();
    await expect(page.getByRole('button', { name: 'Sett på pause: Emma Strand' })).toBeVisible();
  }

  await kari.getByRole('button', { name: 'Sett på pause: Emma Strand' }).click();
  const kariDialog = kari.getByRole('dialog');
  await kariDialog.getByRole('combobox', { name: 'Årsak' }).click();
  await kari.getByRole('option', { name: 'Koordinators beslutning' }).click();
  await kariDialog.getByRole('button', { name: 'Sett på pause' }).click();
  await expect(kari.getByRole('status')).toHaveText('Emma Strand er satt på pause.');

  // Per's page still shows Emma as active; his pause reaches the database second.
  await per.getByRole('button', { name: 'Sett på pause: Emma Strand' }).click();
  const perDialog = per.getByRole('dialog');
  await perDialog.getByRole('combobox', { name: 'Årsak' }).click();
  await per.getByRole('option', { name: 'Ferie' }).click();
  await perDialog.getByRole('button', { name: 'Sett på pause' }).click();
  await expect(per.getByRole('alert')).toHaveText(
    'Noen andre satte denne likepersonen på pause før deg. Siden viser nå den oppdaterte statusen.',
  );
  const row = per
    .getByRole('table', { name: 'Likepersoner' })
    .getByRole('row', { name: /Emma Strand/ });
  await expect(row).toContainText('Koordinators beslutning');
  await expect(per.getByRole('button', { name: 'Avslutt pause: Emma Strand' })).toBeVisible();
  await expectAccessible(per, 'the chapter page with a conflict message');
  await screenshots(per, 'chapter-conflict');

  // The mentor signs in: they see their own status and why they cannot end this pause.
  const emma = await personSignsIn(browser, 'emma@hlf.demo');
  await expect(emma.getByRole('heading', { name: 'Emma Strand', level: 1 })).toBeVisible();
  await expect(emma.getByTestId('current-status')).toContainText('Pause (Koordinators beslutning)');
  await expect(
    emma.getByText(
      'Denne pausen ble satt av en koordinator og kan bare avsluttes av en koordinator eller administrator.',
    ),
  ).toBeVisible();
  await expect(emma.getByRole('button', { name: /Avslutt pause/ })).toHaveCount(0);
  await expectAccessible(emma, "the mentor's own page");
  await screenshots(emma, 'mentor-self');

  // Kari ends the pause; Per's stale "end pause" then meets PM410 in plain words.
  await kari.getByRole('button', { name: 'Avslutt pause: Emma Strand' }).click();
  await expect(kari.getByRole('status')).toHaveText('Pausen for Emma Strand er avsluttet.');
  await per.getByRole('button', { name: 'Avslutt pause: Emma Strand' }).click();
  await expect(per.getByRole('alert')).toHaveText(
    'Pausen er allerede avsluttet av noen andre. Siden viser nå den oppdaterte statusen.',
  );
  await expect(per.getByRole('button', { name: 'Sett på pause: Emma Strand' })).toBeVisible();
  for (const page of [kari, per, emma]) await page.context().close();
});

test('an expired session refreshes itself without sending the person back to sign-in; English, once chosen, stays', async ({
  browser,
}) => {
  const page = await personSignsIn(browser, 'siri.coordinator@nord.demo');
  await page.getByRole('link', { name: 'Tromsø' }).click();
  await expect(page.getByRole('heading', { name: 'Tromsø', level: 1 })).toBeVisible();
  const storageKey = await page.evaluate(() =>
    Object.keys(localStorage).find((key) => key.endsWith('-auth-token')),
  );
  expect(storageKey).toBeDefined();
  // The stored session says it expired a minute ago, as after a laptop slept through its hour.
  // (A refreshed access token can equal the old one when both are minted in the same second;
  // the refresh token is rotated on every refresh, so it tells whether the session was renewed.)
  const before = await page.evaluate((key) => {
    const session = JSON.parse(localStorage.getItem(key)!);
    session.expires_at = Math.floor(Date.now() / 1000) - 60;
    localStorage.setItem(key, JSON.stringify(session));
    return session.refresh_token as string;
  }, storageKey!);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Tromsø', level: 1 })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Likepersoner' })).toContainText('Ola Nilsen');
  await expect(page.getByLabel('Passord')).toHaveCount(0);
  const after = await page.evaluate((key) => {
    const session = JSON.parse(localStorage.getItem(key)!);
    return {
      refreshToken: session.refresh_token as string,
      expiresIn: (session.expires_at as number) - Math.floor(Date.now() / 1000),
    };
  }, storageKey!);
  expect(after.refreshToken).not.toBe(before);
  expect(after.expiresIn).toBeGreaterThan(0);

  // English, chosen once, stays chosen.
  await page.getByText('EN', { exact: true }).click();
  await expect(page.getByRole('table', { name: 'Peer mentors' })).toContainText('Ola Nilsen');
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Active pauses' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expectAccessible(page, 'the chapter page in English');
  await page.getByText('NB', { exact: true }).click();

  await page.getByRole('button', { name: 'Logg ut' }).click();
  await expect(page.getByRole('heading', { name: 'Logg inn' })).toBeVisible();
  await page.context().close();
});

test('a mentor ends their own pause and pauses themselves again, offered only the reasons a mentor may use', async ({
  browser,
}) => {
  const sofie = await personSignsIn(browser, 'sofie@hlf.demo');
  await expect(sofie.getByRole('heading', { name: 'Sofie Lie', level: 1 })).toBeVisible();
  await expect(sofie.getByTestId('current-status')).toContainText('Pause (Helse)');
  await sofie.getByRole('button', { name: 'Avslutt pause: Sofie Lie' }).click();
  await expect(sofie.getByRole('status')).toHaveText('Pausen for Sofie Lie er avsluttet.');
  await expect(sofie.getByTestId('current-status')).toHaveText('Aktiv');

  await sofie.getByRole('button', { name: 'Sett på pause: Sofie Lie' }).click();
  const dialog = sofie.getByRole('dialog', { name: 'Sett Sofie Lie på pause' });
  await dialog.getByRole('combobox', { name: 'Årsak' }).click();
  await expect(sofie.getByRole('option')).toHaveText(['Personlig', 'Helse', 'Ferie', 'Annet']);
  await sofie.getByRole('option', { name: 'Ferie' }).click();
  await dialog.getByRole('button', { name: 'Sett på pause' }).click();
  await expect(sofie.getByTestId('current-status')).toContainText('Pause (Ferie)');
  const timeline = sofie.getByRole('table', { name: 'Historikk' });
  await expect(timeline.getByRole('row').nth(1)).toContainText('Likeperson');
  await expect(timeline.getByRole('row').nth(1)).toContainText('Aktiv → Pause');
  await expect(timeline.getByRole('row').nth(2)).toContainText('Pause → Aktiv');
  await sofie.context().close();
});

test('an org admin sees every chapter of the organization, and only that organization', async ({
  browser,
}) => {
  const admin = await personSignsIn(browser, 'admin@hlf.demo');
  for (const chapter of ['Bergen', 'Oslo', 'Trondheim']) {
    await expect(admin.getByRole('link', { name: chapter, exact: true })).toBeVisible();
  }
  await expect(admin.getByRole('link', { name: 'Tromsø' })).toHaveCount(0);
  await expect(admin.getByText('HLF (demo) · Organisasjonsadministrator')).toBeVisible();
  await admin.context().close();
});

test('the roster is searched, filtered and sorted on the server, and the view is a link to share', async ({
  browser,
}) => {
  const per = await personSignsIn(browser, 'per.coordinator@hlf.demo');
  await per.getByRole('link', { name: 'Oslo', exact: true }).click();
  const roster = per.getByRole('table', { name: 'Likepersoner' });
  await expect(roster.getByRole('row')).toHaveCount(4);

  await per.getByRole('combobox', { name: 'Status' }).click();
  await per.getByRole('option', { name: 'Pause' }).click();
  await expect(per).toHaveURL(/status=paused/);
  await expect(roster.getByRole('row', { name: /Jonas Dahl/ })).toBeVisible();
  await expect(roster.getByRole('row', { name: /Aktiv/ })).toHaveCount(0);
  const pausedRows = await roster.getByRole('row').count();
  expect(pausedRows).toBeLessThan(4);
  const shared = per.url();

  await per.getByRole('combobox', { name: 'Status' }).click();
  await per.getByRole('option', { name: 'Alle' }).click();
  await per.getByRole('searchbox', { name: 'Søk etter navn' }).fill('emm');
  await expect(roster.getByRole('row')).toHaveCount(2);
  await expect(roster.getByRole('row').nth(1)).toContainText('Emma Strand');
  await per.getByRole('searchbox', { name: 'Søk etter navn' }).fill('');

  await per.getByRole('combobox', { name: 'Sorter etter' }).click();
  await per.getByRole('option', { name: 'Sertifisering utløper' }).click();
  await expect(roster.getByRole('row').nth(1)).toContainText('Jonas Dahl');

  // The shared link opens the same filtered view in a colleague's browser.
  const kari = await personSignsIn(browser, 'kari.coordinator@hlf.demo');
  await kari.goto(shared);
  const kariRoster = kari.getByRole('table', { name: 'Likepersoner' });
  await expect(kariRoster.getByRole('row')).toHaveCount(pausedRows);
  await expect(kariRoster.getByRole('row', { name: /Aktiv/ })).toHaveCount(0);
  await expect(kari.getByRole('combobox', { name: 'Status' })).toHaveValue('Pause');
  for (const page of [per, kari]) await page.context().close();
});
