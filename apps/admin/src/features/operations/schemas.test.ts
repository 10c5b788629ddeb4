import { describe, expect, it } from 'vitest';
import { NightlyRun, ParkedEvent } from './schemas';

const run = {
  run_id: 7,
  organization_id: '2f1d3c4b-5a69-4788-9aab-bccddeeff001',
  job: 'certification_expiry',
  run_date: '2026-12-01',
  started_at: '2026-12-01T01:15:00.123+00:00',
  finished_at: '2026-12-01T01:15:04+00:00',
  outcome: 'completed',
  examined: 12,
  mentors_changed: 3,
  errors: 1,
  last_error: 'PM429',
  failures: [
    {
      peer_mentor_id: '2f1d3c4b-5a69-4788-9aab-bccddeeff002',
      display_name: 'Anna Berg',
      sqlstate: 'PM429',
      message: 'too many status changes',
      occurred_at: '2026-12-01T01:15:02.5+00:00',
    },
  ],
};

describe('the operations views as the panel reads them', () => {
  it("reads an organization's run with its counts and failing mentors", () => {
    expect(NightlyRun.parse(run).failures?.[0]?.display_name).toBe('Anna Berg');
  });

  it('reads the global purge, whose counts and failures the view withholds, and a run still going', () => {
    const purge = {
      ...run,
      organization_id: null,
      job: 'outbox_purge',
      examined: null,
      mentors_changed: null,
      errors: null,
      last_error: null,
      failures: null,
    };
    expect(NightlyRun.parse(purge).examined).toBeNull();
    expect(NightlyRun.parse({ ...run, finished_at: null, outcome: null }).outcome).toBeNull();
  });

  it('refuses a job or an event status it does not know, instead of showing it wrongly', () => {
    expect(NightlyRun.safeParse({ ...run, job: 'reindex' }).success).toBe(false);
    expect(
      ParkedEvent.safeParse({
        event_id: run.organization_id,
        peer_mentor_id: run.organization_id,
        display_name: 'Anna Berg',
        status_version: 2,
        status: 'suspended',
        attempts: 5,
        last_error: null,
        parked_at: run.started_at,
        held_back_events: 0,
      }).success,
    ).toBe(false);
  });
});
