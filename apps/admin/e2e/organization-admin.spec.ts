import type { Locator, Page } from '@playwright/test';
import { expect, expectAccessible, personSignsIn, screenshots, test } from './support/fixtures';

// The org admin's pages, as people use them in their own browsers against the main job. Each
// story puts the demo data back as it found it, for the stories that follow.

async function openMembers(admin: Page) {
  await admin
    .getByRole('navigation', { name: 'Organisasjon' })
    .getByRole('link', { name: 'Medlemmer' })
    .click();
  await expect(admin.getByRole('heading', { name: 'Medlemmer', level: 1 })).toBeVisible();
  return admin.getByRole('table', { name: 'Medlemmer' });
}

/** Picks an option of a list (a combobox) inside `scope` (the page, or a dialog of it). */
async function pick(page: Page, combobox: string, option: string, scope: Page | Locator = page) {
  await scope.getByRole('combobox', { name: combobox }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

test('an org admin unassigns a coordinator from a chapter; the coordinator’s next pause there is refused in plain words and their pages show the fresh state', async ({
  browser,
}) => {
  test.slow();
  const ingrid = await personSignsIn(browser, 'ingrid.coordinator@hlf.demo');
  await ingrid.getByRole('link', { name: 'Trondheim' }).click();
  await expect(ingrid.getByRole('heading', { name: 'Trondheim', level: 1 })).toBeVisible();

  const admin = await personSignsIn(browser, 'admin@hlf.demo');
  const members = await openMembers(admin);
  const ingridRow = members.getByRole('row', { name: /Ingrid Moe/ });
  await expect(ingridRow).toContainText('ingrid.coordinator@hlf.demo');
  await expect(ingridRow).toContainText('Trondheim');
  await expectAccessible(admin, 'the members page');
  await screenshots(admin, 'organization-members');

  await admin.getByRole('button', { name: 'Fjern Ingrid Moe fra Trondheim' }).click();
  await expect(admin.getByRole('status')).toHaveText(
    'Ingrid Moe koordinerer ikke lenger Trondheim.',
  );
  await expect(admin.getByRole('button', { name: 'Fjern Ingrid Moe fra Trondheim' })).toHaveCount(
    0,
  );
  await expect(ingridRow).toContainText('Ingen lokallag');

  // Ingrid's page was open before; her pause reaches the database after the change.
  await ingrid.getByRole('button', { name: 'Sett på pause: Emma Strand' }).click();
  const dialog = ingrid.getByRole('dialog', { name: 'Sett Emma Strand på pause' });
  await pick(ingrid, 'Årsak', 'Ferie', dialog);
  await dialog.getByRole('button', { name: 'Sett på pause' }).click();
  await expect(dialog.getByRole('alert')).toHaveText(
    'Du har ikke lov til å gjøre dette for denne likepersonen eller dette lokallaget.',
  );
  await dialog.getByRole('button', { name: 'Avbryt' }).first().click();
  const roster = ingrid.getByRole('table', { name: 'Likepersoner' });
  await expect(roster.getByRole('row', { name: /Emma Strand/ })).toContainText('Aktiv');
  await ingrid.getByRole('link', { name: 'Likepersonkonsoll' }).click();
  await expect(ingrid.getByText('Du har ingen lokallag.')).toBeVisible();

  // Put Ingrid back: the list offers the chapters she does not cover.
  await pick(admin, 'Legg til lokallag for Ingrid Moe', 'Trondheim');
  await expect(admin.getByRole('status')).toHaveText('Ingrid Moe koordinerer nå Trondheim.');
  await expect(admin.getByRole('button', { name: 'Fjern Ingrid Moe fra Trondheim' })).toBeVisible();
  await ingrid.reload();
  await expect(ingrid.getByRole('link', { name: 'Trondheim' })).toBeVisible();
  for (const page of [ingrid, admin]) await page.context().close();
});

test('an org admin changes a member’s role (never the last admin’s); the member sees the new role at once', async ({
  browser,
}) => {
  // Two people in their own browsers on a shared, loaded machine: more than the default time.
  test.slow();
  const admin = await personSignsIn(browser, 'admin@hlf.demo');
  await openMembers(admin);

  // Removing a member asks first.
  await admin.getByRole('button', { name: 'Fjern Mari Solberg fra organisasjonen' }).click();
  const confirm = admin.getByRole('dialog', { name: 'Fjerne Mari Solberg fra organisasjonen?' });
  await expect(confirm).toContainText('mister tilgangen med en gang');
  await expectAccessible(admin, 'the remove-member dialog');
  await screenshots(admin, 'organization-remove-member');
  await confirm.getByRole('button', { name: 'Avbryt' }).first().click();
  await expect(confirm).toBeHidden();

  // The only org admin cannot be demoted: plain words, and nothing changes.
  await pick(admin, 'Rolle for Hanne Admin', 'Koordinator');
  await expect(admin.getByRole('alert')).toHaveText(
    'Organisasjonen må ha minst én organisasjonsadministrator. Gjør en annen til administrator først.',
  );
  await expect(admin.getByRole('combobox', { name: 'Rolle for Hanne Admin' })).toHaveValue(
    'Organisasjonsadministrator',
  );

  await pick(admin, 'Rolle for Ingrid Moe', 'Organisasjonsadministrator');
  await expect(admin.getByRole('status')).toHaveText(
    'Ny rolle for Ingrid Moe: Organisasjonsadministrator.',
  );
  await expect(admin.getByRole('combobox', { name: 'Rolle for Ingrid Moe' })).toHaveValue(
    'Organisasjonsadministrator',
  );
  // Ingrid, in her own browser, now works as an org admin: every chapter, and the admin pages.
  const ingrid = await personSignsIn(browser, 'ingrid.coordinator@hlf.demo');
  await expect(ingrid.getByText('HLF (demo) · Organisasjonsadministrator')).toBeVisible();
  await expect(ingrid.getByRole('link', { name: 'Oslo', exact: true })).toBeVisible();
  await expect(ingrid.getByRole('link', { name: 'Medlemmer' })).toBeVisible();
  await ingrid.context().close();
  await pick(admin, 'Rolle for Ingrid Moe', 'Koordinator');
  await expect(admin.getByRole('status')).toHaveText('Ny rolle for Ingrid Moe: Koordinator.');
  await admin.context().close();
});

test('an org admin links a mentor to a chapter, finds mentors by name, and the chapter’s roster shows the result', async ({
  browser,
}) => {
  test.slow();
  const admin = await personSignsIn(browser, 'admin@hlf.demo');

  // Mentors and chapters: Lars (Bergen) starts serving in Trondheim too.
  await admin
    .getByRole('navigation', { name: 'Organisasjon' })
    .getByRole('link', { name: 'Likepersoner og lokallag' })
    .click();
  const mentors = admin.getByRole('table', { name: 'Likepersoner og lokallag' });
  const lars = mentors.getByRole('row', { name: /Lars Vik/ });
  await expect(lars).toContainText('Bergen');
  await expectAccessible(admin, 'the mentors and chapters page');
  await screenshots(admin, 'organization-mentors');
  await pick(admin, 'Legg til lokallag for Lars Vik (no login yet)', 'Trondheim');
  await expect(admin.getByRole('status')).toHaveText(
    'Lars Vik (no login yet) er lagt til i Trondheim.',
  );
  await expect(lars).toContainText('Trondheim');
  await admin.getByRole('searchbox', { name: 'Søk etter navn' }).fill('emm');
  await expect(mentors.getByRole('row')).toHaveCount(2);
  await expect(mentors.getByRole('row').nth(1)).toContainText('Emma Strand');
  await admin.getByRole('searchbox', { name: 'Søk etter navn' }).fill('');

  // The chapter's roster shows him.
  await admin.getByRole('link', { name: 'Likepersonkonsoll' }).click();
  await admin.getByRole('link', { name: 'Trondheim' }).click();
  await expect(
    admin.getByRole('table', { name: 'Likepersoner' }).getByRole('row', { name: /Lars Vik/ }),
  ).toBeVisible();
  await admin.goBack();
  await admin.goBack();
  await admin.getByRole('button', { name: 'Fjern Lars Vik (no login yet) fra Trondheim' }).click();
  await expect(admin.getByRole('status')).toHaveText(
    'Lars Vik (no login yet) er fjernet fra Trondheim.',
  );
  await expect(lars).not.toContainText('Trondheim');
  await admin.context().close();
});

test('only org admins see the organization pages: anyone else is told so in plain words', async ({
  browser,
}) => {
  const kari = await personSignsIn(browser, 'kari.coordinator@hlf.demo');
  await expect(kari.getByRole('link', { name: 'Medlemmer' })).toHaveCount(0);
  for (const path of ['/organization/members', '/organization/mentors']) {
    await kari.goto(path);
    await expect(kari.getByRole('alert')).toContainText(
      'Denne siden er bare for organisasjonsadministratorer.',
    );
  }
  await expectAccessible(kari, 'the refusal');
  await kari.context().close();
});

test('a mentor’s timeline names who acted: the mentor sees the coordinator who paused them, by name and role, never an email', async ({
  browser,
}) => {
  // The demo data: Per (coordinator) paused Jonas.
  const jonas = await personSignsIn(browser, 'jonas@hlf.demo');
  await expect(jonas.getByRole('heading', { name: 'Jonas Dahl', level: 1 })).toBeVisible();
  const timeline = jonas.getByRole('table', { name: 'Historikk' });
  await expect(timeline.getByRole('row').nth(1)).toContainText('Per Hansen');
  await expect(timeline.getByRole('row').nth(1)).toContainText('Koordinator');
  await expect(timeline).not.toContainText('@');
  await expectAccessible(jonas, 'the mentor’s timeline with names');
  await jonas.context().close();

  // The org admin reads the same name on Jonas's page.
  const admin = await personSignsIn(browser, 'admin@hlf.demo');
  await admin.getByRole('link', { name: 'Oslo', exact: true }).click();
  await admin.getByRole('link', { name: 'Jonas Dahl' }).click();
  await expect(
    admin.getByRole('table', { name: 'Historikk' }).getByRole('row').nth(1),
  ).toContainText('Per Hansen');
  await admin.context().close();
});
