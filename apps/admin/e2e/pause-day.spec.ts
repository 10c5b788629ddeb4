import {
  expect,
  expectAccessible,
  personSignsIn,
  screenshots,
  signIn,
  test,
} from './support/fixtures';

// A coordinator's day, as people do it in their own browsers against the main job.

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

  await roster.getByRole('link', { name: 'Anna Berg' }).click();
  await expect(page.getByRole('heading', { name: 'Anna Berg', level: 1 })).toBeVisible();
  const timeline = page.getByRole('table', { name: 'Historikk' });
  await expect(timeline.getByRole('row').nth(1)).toContainText('Aktiv → Pause');
  await expect(timeline.getByRole('row').nth(1)).toContainText('Trenger hvile etter operasjon');
  await expect(timeline.getByRole('row').nth(1)).toContainText('Koordinator');
  await expectAccessible(page, 'the mentor page');
  await screenshots(page, 'mentor');
  await page.context().close();
});
