import type { PeerMentorStatusChange } from '../../portal-client.js';

/**
 * Where a mentor's status lives in Dataverse: the table (entity set), the alternate key that
 * holds our peer-mentor id, and the columns each field is written to. Column names are logical
 * names; custom columns carry the publisher prefix of the solution that defines them.
 */
export interface DataverseEntityMapping {
  entitySet: string;
  alternateKey: string;
  fields: {
    organizationId: string;
    status: string;
    reasonCode: string;
    pausedAt: string;
    expectedEnd: string;
    actorRole: string;
    /** Numeric column: the status version the record reflects (idempotency and ordering). */
    version: string;
    /** The event id of the last status change written. */
    eventId: string;
    changedAt: string;
  };
}

/**
 * Defaults until the organization's real schema is known: the contact table with a custom
 * alternate key `pm_peermentorid` and `pm_`-prefixed text/number/date columns. Every name can
 * be overridden (see env.ts and the README).
 */
export const defaultEntityMapping: DataverseEntityMapping = {
  entitySet: 'contacts',
  alternateKey: 'pm_peermentorid',
  fields: {
    organizationId: 'pm_organizationid',
    status: 'pm_pausestatus',
    reasonCode: 'pm_pausereason',
    pausedAt: 'pm_pausedon',
    expectedEnd: 'pm_pauseexpectedend',
    actorRole: 'pm_pausechangedbyrole',
    version: 'pm_pausestatusversion',
    eventId: 'pm_pauselasteventid',
    changedAt: 'pm_pausestatuschangedon',
  },
};

/** Logical names are identifiers; anything else would corrupt the URL or the body. */
export const LOGICAL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `contacts(pm_peermentorid='…')`: the record addressed by its alternate key (OData quoting). */
export function recordPath(mapping: DataverseEntityMapping, peerMentorId: string): string {
  const quoted = `'${peerMentorId.replaceAll("'", "''")}'`;
  return `${mapping.entitySet}(${mapping.alternateKey}=${encodeURIComponent(quoted)})`;
}

/** The PATCH body: only the columns this integration owns. */
export function recordBody(
  mapping: DataverseEntityMapping,
  change: PeerMentorStatusChange,
): Record<string, unknown> {
  const { fields } = mapping;
  return {
    [fields.organizationId]: change.organizationId,
    [fields.status]: change.status,
    [fields.reasonCode]: change.reasonCode,
    [fields.pausedAt]: change.pausedAt,
    [fields.expectedEnd]: change.expectedEnd,
    [fields.actorRole]: change.actorRole,
    [fields.version]: change.version,
    [fields.eventId]: change.eventId,
    [fields.changedAt]: change.occurredAt,
  };
}
