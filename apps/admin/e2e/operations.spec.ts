import pg from 'pg';
import {
  expect,
  expectAccessible,
  personSignsIn,
  screenshots,
  stack,
  test,
} from './support/fixtures';

// The operations panel: an org admin finds a parked Dynamics event with its last error, sends
// it again and sees the backlog change; a coordinator cannot open the panel.

const HLF = `(select id from public.organizations where name = 'HLF (demo)')`;

/**
 * Parks the oldest pending event of HLF as the dispatcher would after a permanent error (an
 * event a newer one superseded is settled, never sent, so it is not a candidate).
 */
async function parkOneEvent(db: pg.Client, error: string) {
  const { rows } = await db.query<{ event_id: string; display_name: string; version: number }>(
    `with parked as (
       update private.status_change_outbox o
       set parked_at = now(), attempts = 5, last_error = $1
       where o.event_id = (
         select e.event_id from private.status_change_outbox e
         where e.organization_id = ${HLF} and e.delivered_at is null and e.superseded_at is null
           and e.parked_at is null
         order by e.created_at, e.event_id limit 1)
       returning o.event_id, o.peer_mentor_id, o.status_version)
     select p.event_id, m.display_name, p.status_version as version
     from parked p join public.peer_mentors m on m.id = p.peer_mentor_id`,
    [error],
  );
  if (!rows[0]) throw new Error('the demo data has no pending outbox event of HLF to park');
  return rows[0];
}

async function backlog(db: pg.Client) {
  const { rows } = await db.query<{ pending: number; parked: number }>(
    `select count(*) filter (where parked_at is null)::int as pending,
            count(*) filter (where parked_at is not null)::int as parked
     from private.status_change_outbox
     where organization_id = ${HLF} and delivered_at is null and superseded_at is null`,
  );
  return rows[0]!;
}

test('an org admin sees a parked event with its last error, sends it again and sees the backlog change', async ({
  browser,
}) => {
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    // Requeue whatever an earlier run left parked, then park exactly one event.
    await db.query(
      `update private.status_change_outbox set parked_at = null
       where organization_id = ${HLF} and parked_at is not null`,
    );
    const event = await parkOneEvent(db, 'Dataverse answered 400: contact is inactive');
    // A night that ran for HLF, with one mentor it failed on, and the global purge.
    await db.query(
      `with run as (
         insert into private.scheduler_runs (job, organization_id, run_date, invocation_id, host,
           batch_size, started_at, finished_at, outcome, examined, mentors_changed, errors, last_error)
         values ('certification_expiry', ${HLF}, current_date, gen_random_uuid(), 'e2e', 500,
           now() - interval '2 minutes', now() - interval '1 minute', 'completed', 12, 3, 1, 'PM429')
         returning id)
       insert into private.scheduler_run_errors (run_id, peer_mentor_id, sqlstate, message)
       select run.id, $1, 'PM429', 'too many status changes' from run`,
      [
        (
          await db.query(
            `select peer_mentor_id from private.status_change_outbox where event_id = $1`,
            [event.event_id],
          )
        ).rows[0].peer_mentor_id,
      ],
    );
    await db.query(
      `insert into private.scheduler_runs (job, organization_id, run_date, invocation_id, host,
         batch_size, started_at, finished_at, outcome, events_purged, purge_delivered_before)
       values ('outbox_purge', null, current_date, gen_random_uuid(), 'e2e', 500,
         now() - interval '30 seconds', now(), 'completed', 77, now() - interval '30 days')`,
    );
    const before = await backlog(db);
    const since = (await db.query<{ now: Date }>('select now()')).rows[0]!.now;
    expect(before.parked).toBe(1);

    const page = await personSignsIn(browser, 'admin@hlf.demo');
    await page.getByRole('link', { name: 'Drift' }).click();
    await expect(page.getByRole('heading', { name: 'Drift', level: 1 })).toBeVisible();
    const figures = page.getByRole('group', { name: 'Synkronisering til Dynamics' });
    await expect(figures.getByRole('group', { name: 'Venter på sending' })).toContainText(
      String(before.pending),
    );
    await expect(figures.getByRole('group', { name: 'Parkert' })).toContainText('1');
    const parked = page.getByRole('table', { name: 'Parkerte hendelser' });
    const row = parked.getByRole('row', { name: new RegExp(event.display_name) });
    await expect(row).toContainText('Dataverse answered 400: contact is inactive');
    await expect(row).toContainText('5');

    const runs = page.getByRole('table', { name: 'Siste nattkjøringer' });
    const expiry = runs.getByRole('row', { name: /Utløpte sertifiseringer/ }).first();
    await expect(expiry).toContainText('Fullført');
    await expect(expiry).toContainText(`${event.display_name}: too many status changes`);
    // The purge is every organization's: no counts.
    const purge = runs.getByRole('row', { name: /Opprydding i utboksen/ }).first();
    await expect(purge).not.toContainText('77');
    await expectAccessible(page, 'the operations panel');
    await screenshots(page, 'operations');

    // "Send all again" asks first; cancelling changes nothing.
    await page.getByRole('button', { name: 'Send alle parkerte på nytt' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send alle parkerte hendelser på nytt?' });
    await expect(dialog).toContainText('1 parkert hendelse blir sendt til Dynamics på nytt');
    await expectAccessible(page, 'the requeue-all dialog');
    await screenshots(page, 'operations-requeue-dialog');
    // (The dialog's close button is also called "Avbryt"; this is the one with the word on it.)
    await dialog.getByRole('button', { name: 'Avbryt' }).filter({ hasText: 'Avbryt' }).click();
    await expect(dialog).toBeHidden();

    await row
      .getByRole('button', {
        name: `Send på nytt: ${event.display_name} (versjon ${event.version})`,
      })
      .click();
    await expect(page.getByRole('status')).toHaveText('1 hendelse er sendt i kø igjen.');
    await expect(page.getByText('Ingen parkerte hendelser.')).toBeVisible();
    await expect(figures.getByRole('group', { name: 'Parkert' })).toContainText('0');
    await expect(figures.getByRole('group', { name: 'Venter på sending' })).toContainText(
      String(before.pending + 1),
    );
    const after = await backlog(db);
    expect(after).toEqual({ pending: before.pending + 1, parked: 0 });
    const audit = await db.query(
      `select r.actor_role::text, u.email from private.status_change_requeues r
       join auth.users u on u.id = r.actor_user_id where r.event_id = $1 and r.requeued_at > $2`,
      [event.event_id, since],
    );
    expect(audit.rows).toEqual([{ actor_role: 'org_admin', email: 'admin@hlf.demo' }]);

    // Another admin sends a parked event again while this page still shows it.
    const stale = await parkOneEvent(db, 'Dataverse answered 400: contact is inactive');
    await page.reload();
    const staleRow = parked.getByRole('row', { name: new RegExp(stale.display_name) });
    await expect(staleRow).toBeVisible();
    await db.query('update private.status_change_outbox set parked_at = null where event_id = $1', [
      stale.event_id,
    ]);
    await staleRow
      .getByRole('button', {
        name: `Send på nytt: ${stale.display_name} (versjon ${stale.version})`,
      })
      .click();
    await expect(page.getByRole('alert')).toHaveText(
      'Hendelsen er ikke lenger parkert (noen andre har sendt den på nytt, eller den er levert). Listen viser nå gjeldende status.',
    );
    await expect(page.getByText('Ingen parkerte hendelser.')).toBeVisible();
    await page.context().close();
  } finally {
    await db.end();
  }
});

test('a coordinator has no operations panel: no menu entry, and the address is refused in plain words', async ({
  browser,
}) => {
  const page = await personSignsIn(browser, 'kari.coordinator@hlf.demo');
  await expect(page.getByRole('heading', { name: 'Lokallag' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Drift' })).toHaveCount(0);
  await page.goto('/operations');
  await expect(page.getByRole('alert')).toHaveText(
    'Bare organisasjonsadministratorer kan åpne driftspanelet.',
  );
  await expect(page.getByRole('table')).toHaveCount(0);
  await expectAccessible(page, 'the refused operations panel');
  await screenshots(page, 'operations-refused');
  await page.context().close();
});
