/**
 * drizzle-orm mirror of the tables created by supabase/migrations. The SQL migrations are the
 * source of truth; test/drift.test.ts fails when this file and the migrated database disagree.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  date,
  foreignKey,
  integer,
  jsonb,
  pgEnum,
  pgSchema,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

export const pauseStatus = pgEnum('pause_status', ['active', 'paused']);
export const pauseReasonCode = pgEnum('pause_reason_code', [
  'personal',
  'health',
  'vacation',
  'other',
  'coordinator_decision',
  'certification_expired',
]);
export const memberRole = pgEnum('member_role', ['peer_mentor', 'coordinator', 'org_admin']);
export const statusActorRole = pgEnum('status_actor_role', [
  'peer_mentor',
  'coordinator',
  'org_admin',
  'system',
]);

export const membershipChange = pgEnum('membership_change', [
  'member_role_changed',
  'member_removed',
  'coordinator_chapter_assigned',
  'coordinator_chapter_unassigned',
  'mentor_chapter_added',
  'mentor_chapter_removed',
]);

/** Supabase Auth's users table (only the columns this project touches). */
const auth = pgSchema('auth');
export const authUsers = auth.table('users', {
  id: uuid('id').primaryKey(),
  email: varchar('email', { length: 255 }),
});

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

export const organizations = pgTable('organizations', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  timeZone: text('time_zone').notNull().default('Europe/Oslo'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
});

export const chapters = pgTable(
  'chapters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [unique().on(table.id, table.organizationId)],
);

export const organizationMembers = pgTable(
  'organization_members',
  {
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => authUsers.id, { onDelete: 'cascade' }),
    role: memberRole('role').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.organizationId, table.userId] })],
);

export const peerMentors = pgTable(
  'peer_mentors',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .unique()
      .references(() => authUsers.id, { onDelete: 'set null' }),
    displayName: text('display_name').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [unique().on(table.id, table.organizationId)],
);

/** organization_id is filled in by a trigger from the mentor; insert the other two columns. */
export const peerMentorChapters = pgTable(
  'peer_mentor_chapters',
  {
    peerMentorId: uuid('peer_mentor_id').notNull(),
    chapterId: uuid('chapter_id').notNull(),
    organizationId: uuid('organization_id')
      .notNull()
      // No SQL default: a BEFORE trigger fills it in, so inserts send DEFAULT (null).
      .$default(() => sql`default`),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.peerMentorId, table.chapterId] }),
    foreignKey({
      columns: [table.peerMentorId, table.organizationId],
      foreignColumns: [peerMentors.id, peerMentors.organizationId],
    }).onDelete('cascade'),
    foreignKey({
      columns: [table.chapterId, table.organizationId],
      foreignColumns: [chapters.id, chapters.organizationId],
    }).onDelete('cascade'),
  ],
);

/** organization_id is filled in by a trigger from the chapter; insert the other two columns. */
export const coordinatorChapters = pgTable(
  'coordinator_chapters',
  {
    userId: uuid('user_id').notNull(),
    chapterId: uuid('chapter_id').notNull(),
    organizationId: uuid('organization_id')
      .notNull()
      // No SQL default: a BEFORE trigger fills it in, so inserts send DEFAULT (null).
      .$default(() => sql`default`),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.userId, table.chapterId] }),
    foreignKey({
      columns: [table.chapterId, table.organizationId],
      foreignColumns: [chapters.id, chapters.organizationId],
    }).onDelete('cascade'),
    foreignKey({
      columns: [table.organizationId, table.userId],
      foreignColumns: [organizationMembers.organizationId, organizationMembers.userId],
    }).onDelete('cascade'),
  ],
);

/** Read-only for clients: written by the transition functions only. */
export const peerMentorStatus = pgTable(
  'peer_mentor_status',
  {
    peerMentorId: uuid('peer_mentor_id').primaryKey(),
    organizationId: uuid('organization_id').notNull(),
    status: pauseStatus('status').notNull().default('active'),
    reasonCode: pauseReasonCode('reason_code'),
    pausedAt: timestamptz('paused_at'),
    pausedBy: uuid('paused_by').references(() => authUsers.id, { onDelete: 'set null' }),
    pausedByRole: statusActorRole('paused_by_role'),
    expectedEnd: date('expected_end', { mode: 'string' }),
    version: integer('version').notNull().default(0),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (table) => [
    foreignKey({
      columns: [table.peerMentorId, table.organizationId],
      foreignColumns: [peerMentors.id, peerMentors.organizationId],
    }).onDelete('cascade'),
  ],
);

/** Append-only audit log: one row per transition. */
export const peerMentorStatusLog = pgTable(
  'peer_mentor_status_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    peerMentorId: uuid('peer_mentor_id').notNull(),
    organizationId: uuid('organization_id').notNull(),
    fromStatus: pauseStatus('from_status').notNull(),
    toStatus: pauseStatus('to_status').notNull(),
    reasonCode: pauseReasonCode('reason_code'),
    expectedEnd: date('expected_end', { mode: 'string' }),
    actorUserId: uuid('actor_user_id'),
    actorRole: statusActorRole('actor_role').notNull(),
    version: integer('version').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [
    unique().on(table.peerMentorId, table.version),
    foreignKey({
      columns: [table.peerMentorId, table.organizationId],
      foreignColumns: [peerMentors.id, peerMentors.organizationId],
    }),
  ],
);

/**
 * The free-text note of a transition, keyed like the log (need to know: the mentor, the
 * coordinators of her chapters and org admins read it). Append-only; written by the
 * transition functions only.
 */
export const peerMentorStatusNotes = pgTable(
  'peer_mentor_status_notes',
  {
    peerMentorId: uuid('peer_mentor_id').notNull(),
    version: integer('version').notNull(),
    organizationId: uuid('organization_id').notNull(),
    note: text('note').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.peerMentorId, table.version] }),
    foreignKey({
      columns: [table.peerMentorId, table.organizationId],
      foreignColumns: [peerMentors.id, peerMentors.organizationId],
    }),
  ],
);

/** organization_id is filled in by a trigger from the mentor. */
export const peerMentorCertifications = pgTable(
  'peer_mentor_certifications',
  {
    peerMentorId: uuid('peer_mentor_id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      // No SQL default: a BEFORE trigger fills it in, so inserts send DEFAULT (null).
      .$default(() => sql`default`),
    validUntil: date('valid_until', { mode: 'string' }).notNull(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    // The nightly expiry job's marker (20260402000000_nightly_jobs.sql): the valid_until whose
    // expiry it handled, the run date, and 'paused' or 'deferred'. Written by the job only.
    expiryHandledFor: date('expiry_handled_for', { mode: 'string' }),
    expiryHandledOn: date('expiry_handled_on', { mode: 'string' }),
    expiryOutcome: text('expiry_outcome', { enum: ['paused', 'deferred'] }),
  },
  (table) => [
    foreignKey({
      columns: [table.peerMentorId, table.organizationId],
      foreignColumns: [peerMentors.id, peerMentors.organizationId],
    }).onDelete('cascade'),
  ],
);

/** Each user's selected organization (switch_organization); the access token hook reads it. */
export const organizationSelections = pgTable('organization_selections', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => authUsers.id, { onDelete: 'cascade' }),
  organizationId: uuid('organization_id')
    .notNull()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  selectedAt: timestamptz('selected_at').notNull().defaultNow(),
});

/** Append-only audit of membership administration (the administration RPCs write it). */
export const organizationMembershipLog = pgTable('organization_membership_log', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  organizationId: uuid('organization_id')
    .notNull()
    .references(() => organizations.id),
  action: membershipChange('action').notNull(),
  actorUserId: uuid('actor_user_id'),
  actorRole: statusActorRole('actor_role').notNull(),
  subjectUserId: uuid('subject_user_id'),
  peerMentorId: uuid('peer_mentor_id'),
  chapterId: uuid('chapter_id'),
  before: jsonb('before'),
  after: jsonb('after'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
});

/** Every table of the public schema that the migrations create, by SQL name. */
export const publicTables = {
  organizations,
  chapters,
  organization_members: organizationMembers,
  peer_mentors: peerMentors,
  peer_mentor_chapters: peerMentorChapters,
  coordinator_chapters: coordinatorChapters,
  peer_mentor_status: peerMentorStatus,
  peer_mentor_status_log: peerMentorStatusLog,
  peer_mentor_status_notes: peerMentorStatusNotes,
  peer_mentor_certifications: peerMentorCertifications,
  organization_selections: organizationSelections,
  organization_membership_log: organizationMembershipLog,
} as const;
