import { i18next } from '../../lib/i18n';

// The operations panel's words, added to the app's translations when the panel's chunk loads
// (it is lazily loaded, so neither the first page nor the other pages carry them).

const nb = {
  heading: 'Drift',
  adminsOnly: 'Bare organisasjonsadministratorer kan åpne driftspanelet.',
  outboxHeading: 'Synkronisering til Dynamics',
  pending: 'Venter på sending',
  oldestPending: 'Eldste ventende',
  parked: 'Parkert',
  nothingPending: 'ingen',
  parkedHeading: 'Parkerte hendelser',
  noParked: 'Ingen parkerte hendelser.',
  mentor: 'Likeperson',
  version: 'Versjon',
  carries: 'Status',
  attempts: 'Forsøk',
  lastError: 'Siste feil',
  parkedAt: 'Parkert',
  heldBack: 'Venter bak',
  requeue: 'Send på nytt',
  requeueOne: 'Send på nytt: {{name}} (versjon {{version}})',
  requeueAll: 'Send alle parkerte på nytt',
  confirmTitle: 'Send alle parkerte hendelser på nytt?',
  confirmBody_one:
    '{{count}} parkert hendelse blir sendt til Dynamics på nytt med nye forsøk. Feilen som parkerte den blir stående til neste forsøk.',
  confirmBody_other:
    '{{count}} parkerte hendelser blir sendt til Dynamics på nytt med nye forsøk. Feilen som parkerte dem blir stående til neste forsøk.',
  confirm: 'Send på nytt',
  cancel: 'Avbryt',
  requeued_one: '{{count}} hendelse er sendt i kø igjen.',
  requeued_other: '{{count}} hendelser er sendt i kø igjen.',
  stale:
    'Hendelsen er ikke lenger parkert (noen andre har sendt den på nytt, eller den er levert). Listen viser nå gjeldende status.',
  runsHeading: 'Siste nattkjøringer',
  noRuns: 'Ingen nattkjøringer ennå.',
  job: 'Jobb',
  runDate: 'Kjøredato',
  started: 'Startet',
  finished: 'Ferdig',
  outcome: 'Utfall',
  examined: 'Undersøkt',
  changed: 'Endret',
  errors: 'Feil',
  globalCounts:
    'Oppryddingen gjelder alle organisasjoner; tallene og feilene dens vises derfor ikke.',
  jobs: {
    scheduled_resume: 'Planlagt avslutning av pauser',
    certification_expiry: 'Utløpte sertifiseringer',
    outbox_purge: 'Opprydding i utboksen',
  },
  outcomes: { completed: 'Fullført', abandoned: 'Avbrutt', running: 'Pågår' },
  failure: '{{name}}: {{message}}',
};

const en: typeof nb = {
  heading: 'Operations',
  adminsOnly: 'Only organization admins can open the operations panel.',
  outboxHeading: 'Sync to Dynamics',
  pending: 'Waiting to be sent',
  oldestPending: 'Oldest waiting',
  parked: 'Parked',
  nothingPending: 'none',
  parkedHeading: 'Parked events',
  noParked: 'No parked events.',
  mentor: 'Peer mentor',
  version: 'Version',
  carries: 'Status',
  attempts: 'Attempts',
  lastError: 'Last error',
  parkedAt: 'Parked',
  heldBack: 'Waiting behind',
  requeue: 'Send again',
  requeueOne: 'Send again: {{name}} (version {{version}})',
  requeueAll: 'Send all parked again',
  confirmTitle: 'Send every parked event again?',
  confirmBody_one:
    '{{count}} parked event will be sent to Dynamics again with fresh attempts. The error that parked it stays until the next attempt.',
  confirmBody_other:
    '{{count}} parked events will be sent to Dynamics again with fresh attempts. The error that parked them stays until the next attempt.',
  confirm: 'Send again',
  cancel: 'Cancel',
  requeued_one: '{{count}} event is queued again.',
  requeued_other: '{{count}} events are queued again.',
  stale:
    'The event is no longer parked (someone else sent it again, or it was delivered). The list now shows the current state.',
  runsHeading: 'Latest nightly runs',
  noRuns: 'No nightly runs yet.',
  job: 'Job',
  runDate: 'Run date',
  started: 'Started',
  finished: 'Finished',
  outcome: 'Outcome',
  examined: 'Examined',
  changed: 'Changed',
  errors: 'Errors',
  globalCounts: 'The purge covers every organization, so its counts and errors are not shown.',
  jobs: {
    scheduled_resume: 'Scheduled end of pauses',
    certification_expiry: 'Expired certifications',
    outbox_purge: 'Outbox purge',
  },
  outcomes: { completed: 'Completed', abandoned: 'Abandoned', running: 'Running' },
  failure: '{{name}}: {{message}}',
};

export const operationsLocales = { nb, en };

for (const [language, words] of Object.entries(operationsLocales)) {
  i18next.addResourceBundle(language, 'translation', { operations: words }, true, true);
}
