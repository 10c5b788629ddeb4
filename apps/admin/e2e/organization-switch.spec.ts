import { expect, expectAccessible, personSignsIn, screenshots, test } from './support/fixtures';

// A member of two organizations switches between them from the header, in their own browser.

test('a member of two organizations switches from the header and sees only the other organization’s chapters and mentors', async ({
  browser,
}) => {
  test.slow();
  const mari = await personSignsIn(browser, 'mari@begge.demo');
  const switcher = mari.getByRole('combobox', { name: 'Organisasjon' });
  await expect(switcher).toHaveValue('HLF (demo)');
  await expect(mari.getByRole('link', { name: 'Trondheim' })).toBeVisible();
  await mari.getByRole('link', { name: 'Trondheim' }).click();
  await expect(
    mari.getByRole('table', { name: 'Likepersoner' }).getByRole('row', { name: /Magnus Holm/ }),
  ).toBeVisible();

  await switcher.click();
  await expect(mari.getByRole('option')).toHaveText(['HLF (demo)', 'Likeperson Nord (demo)']);
  await expectAccessible(mari, 'the organization switcher');
  await screenshots(mari, 'organization-switcher');
  await mari.getByRole('option', { name: 'Likeperson Nord (demo)' }).click();

  await expect(switcher).toHaveValue('Likeperson Nord (demo)');
  await expect(mari.getByRole('heading', { name: 'Lokallag' })).toBeVisible();
  await expect(mari.getByRole('link', { name: 'Bodø' })).toBeVisible();
  // Nothing of HLF is left: not its chapters, not its mentors.
  await expect(mari.getByRole('link', { name: 'Trondheim' })).toHaveCount(0);
  await expect(mari.getByText('Magnus Holm')).toHaveCount(0);
  await mari.getByRole('link', { name: 'Bodø' }).click();
  const roster = mari.getByRole('table', { name: 'Likepersoner' });
  await expect(roster.getByRole('row', { name: /Ida Hansen/ })).toBeVisible();
  await expect(roster.getByRole('row')).toHaveCount(2);

  // The choice holds across a reload (the session's token claims it), and switching back works.
  await mari.reload();
  await expect(mari.getByRole('combobox', { name: 'Organisasjon' })).toHaveValue(
    'Likeperson Nord (demo)',
  );
  await mari.getByRole('combobox', { name: 'Organisasjon' }).click();
  await mari.getByRole('option', { name: 'HLF (demo)' }).click();
  await expect(mari.getByRole('link', { name: 'Trondheim' })).toBeVisible();
  await expect(mari.getByRole('link', { name: 'Bodø' })).toHaveCount(0);
  await mari.context().close();
});
