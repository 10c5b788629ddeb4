import { createHash } from 'node:crypto';
import type { MemberRole, PauseReasonCode } from '@peer-mentor/contracts';
import pg from 'pg';
import { type JwtClaims, serviceRoleClaims, userClaims, withCaller } from '../caller.js';

/** Deterministic ids, so demo logins and links stay the same across resets. */
export function demoId(key: string): string {
  const hex = createHash('md5').update(`peer-mentor-demo:${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

interface DemoOrganization {
  key: string;
  name: string;
  chapters: Record<string, string>;
  /** A key that appears in two organizations is one person with two memberships. */
  staff: {
    key: string;
    email: string;
    /** The name colleagues and mentors see (private.person_names). */
    name: string;
    role: Exclude<MemberRole, 'peer_mentor'>;
    chapters: string[];
  }[];
  mentors: {
    key: string;
    name: string;
    email: string | null;
    chapters: string[];
    certifiedUntil: string;
  }[];
}

const today = new Date();
const isoDate = (daysFromToday: number) =>
  new Date(today.getTime() + daysFromToday * 86_400_000).toISOString().slice(0, 10);

/** Two organizations; mentors in several chapters; chapters with several coordinators. */
export const demoOrganizations: DemoOrganization[] = [
  {
    key: 'hlf',
    name: 'HLF (demo)',
    chapters: { oslo: 'Oslo', bergen: 'Bergen', trondheim: 'Trondheim' },
    staff: [
      {
        key: 'hlf-admin',
        email: 'admin@hlf.demo',
        name: 'Hanne Admin',
        role: 'org_admin',
        chapters: [],
      },
      {
        key: 'hlf-kari',
        email: 'kari.coordinator@hlf.demo',
        name: 'Kari Nordmann',
        role: 'coordinator',
        chapters: ['oslo', 'bergen'],
      },
      {
        key: 'hlf-per',
        email: 'per.coordinator@hlf.demo',
        name: 'Per Hansen',
        role: 'coordinator',
        chapters: ['oslo'],
      },
      {
        key: 'hlf-ingrid',
        email: 'ingrid.coordinator@hlf.demo',
        name: 'Ingrid Moe',
        role: 'coordinator',
        chapters: ['trondheim'],
      },
      // A member of both organizations: switches between them from the console's header.
      {
        key: 'both-mari',
        email: 'mari@begge.demo',
        name: 'Mari Solberg',
        role: 'coordinator',
        chapters: ['trondheim'],
      },
    ],
    mentors: [
      {
        key: 'hlf-anna',
        name: 'Anna Berg',
        email: 'anna@hlf.demo',
        chapters: ['oslo'],
        certifiedUntil: isoDate(300),
      },
      {
        key: 'hlf-jonas',
        name: 'Jonas Dahl',
        email: 'jonas@hlf.demo',
        chapters: ['oslo', 'bergen'],
        certifiedUntil: isoDate(120),
      },
      {
        key: 'hlf-sofie',
        name: 'Sofie Lie',
        email: 'sofie@hlf.demo',
        chapters: ['bergen'],
        certifiedUntil: isoDate(45),
      },
      {
        key: 'hlf-magnus',
        name: 'Magnus Holm',
        email: 'magnus@hlf.demo',
        chapters: ['trondheim'],
        certifiedUntil: isoDate(-3),
      },
      {
        key: 'hlf-emma',
        name: 'Emma Strand',
        email: 'emma@hlf.demo',
        chapters: ['trondheim', 'oslo'],
        certifiedUntil: isoDate(200),
      },
      {
        key: 'hlf-lars',
        name: 'Lars Vik (no login yet)',
        email: null,
        chapters: ['bergen'],
        certifiedUntil: isoDate(60),
      },
    ],
  },
  {
    key: 'north',
    name: 'Likeperson Nord (demo)',
    chapters: { tromso: 'Tromsø', bodo: 'Bodø' },
    staff: [
      {
        key: 'north-admin',
        email: 'admin@nord.demo',
        name: 'Nils Admin',
        role: 'org_admin',
        chapters: [],
      },
      {
        key: 'north-siri',
        email: 'siri.coordinator@nord.demo',
        name: 'Siri Johansen',
        role: 'coordinator',
        chapters: ['tromso', 'bodo'],
      },
      {
        key: 'both-mari',
        email: 'mari@begge.demo',
        name: 'Mari Solberg',
        role: 'coordinator',
        chapters: ['bodo'],
      },
    ],
    mentors: [
      {
        key: 'north-ola',
        name: 'Ola Nilsen',
        email: 'ola@nord.demo',
        chapters: ['tromso'],
        certifiedUntil: isoDate(90),
      },
      {
        key: 'north-ida',
        name: 'Ida Hansen',
        email: 'ida@nord.demo',
        chapters: ['bodo'],
        certifiedUntil: isoDate(30),
      },
    ],
  },
];

/** Pauses made through the real RPCs, so the demo has a real audit log. */
const demoPauses: {
  mentor: string;
  by: string | 'system';
  reason: PauseReasonCode;
  note: string;
  days: number | null;
}[] = [
  { mentor: 'hlf-sofie', by: 'hlf-sofie', reason: 'health', note: 'Short sick leave', days: 14 },
  {
    mentor: 'hlf-jonas',
    by: 'hlf-per',
    reason: 'coordinator_decision',
    note: 'Taking a break after a demanding case',
    days: 30,
  },
  {
    mentor: 'hlf-magnus',
    by: 'system',
    reason: 'certification_expired',
    note: 'Certification expired',
    days: null,
  },
  { mentor: 'north-ida', by: 'north-ida', reason: 'vacation', note: 'Summer holiday', days: 21 },
];

/**
 * The demo password of a demo login: derived from the email, so it stays the same across
 * resets and can be printed. Demo only; never a pattern for real accounts.
 */
export function demoPassword(email: string): string {
  const digest = createHash('sha256').update(`peer-mentor-demo-password:${email}`).digest('hex');
  return `demo-${digest.slice(0, 12)}`;
}

export interface DemoUser {
  email: string;
  /** Signs in with `supabase.auth.signInWithPassword({ email, password })`. */
  password: string;
  userId: string;
  organization: string;
  organizationId: string;
  role: MemberRole;
  peerMentorId?: string;
}

/**
 * Everyone who can sign in to the demo, once each, with their organization and role (for a
 * member of two organizations: the first one listed, which their first token claims).
 */
export function demoUsers(): DemoUser[] {
  const all = demoOrganizations.flatMap((org) => [
    ...org.staff.map((member) => ({
      email: member.email,
      password: demoPassword(member.email),
      userId: demoId(member.key),
      organization: org.name,
      organizationId: demoId(org.key),
      role: member.role,
    })),
    ...org.mentors
      .filter((mentor) => mentor.email !== null)
      .map((mentor) => ({
        email: mentor.email as string,
        password: demoPassword(mentor.email as string),
        userId: demoId(`${mentor.key}-user`),
        organization: org.name,
        organizationId: demoId(org.key),
        role: 'peer_mentor' as const,
        peerMentorId: demoId(mentor.key),
      })),
  ]);
  return all.filter(
    (user, index) => all.findIndex((other) => other.email === user.email) === index,
  );
}

/**
 * Gives demo users their password as Supabase Auth stores it (a bcrypt hash, cost 10 like its
 * default, made with pgcrypto) and a confirmed email.
 */
async function setDemoPasswords(client: pg.Client, options: { onlyMissing: boolean }) {
  const users = demoUsers();
  await client.query(
    `update auth.users u
     set encrypted_password = extensions.crypt(d.password, extensions.gen_salt('bf', 10)),
         email_confirmed_at = coalesce(u.email_confirmed_at, now())
     from unnest($1::uuid[], $2::text[]) as d (id, password)
     where u.id = d.id and (not $3 or u.encrypted_password is null)`,
    [users.map((user) => user.userId), users.map((user) => user.password), options.onlyMissing],
  );
}

/**
 * Loads the demo organizations, people and pauses unless they are already there.
 * Runs as the connecting owner for reference data and through the RPCs for pauses.
 */
export async function loadDemoData(databaseUrl: string): Promise<'loaded' | 'already present'> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query('select 1 from public.organizations where id = $1', [
      demoId('hlf'),
    ]);
    if (rows.length > 0) {
      // Demo data from before sign-in existed has no passwords yet.
      await setDemoPasswords(client, { onlyMissing: true });
      return 'already present';
    }

    await client.query('begin');
    for (const user of demoUsers()) {
      await client.query(
        `insert into auth.users (id, email, aud, role, raw_app_meta_data)
         values ($1, $2, 'authenticated', 'authenticated',
                 jsonb_build_object('provider', 'email', 'providers', array['email']))`,
        [user.userId, user.email],
      );
    }
    await setDemoPasswords(client, { onlyMissing: false });
    const staff = new Map(
      demoOrganizations.flatMap((org) => org.staff.map((member) => [member.key, member.name])),
    );
    await client.query(
      `insert into private.person_names (user_id, display_name)
       select * from unnest($1::uuid[], $2::text[])`,
      [[...staff.keys()].map((key) => demoId(key)), [...staff.values()]],
    );
    for (const org of demoOrganizations) {
      const orgId = demoId(org.key);
      await client.query('insert into public.organizations (id, name) values ($1, $2)', [
        orgId,
        org.name,
      ]);
      for (const [key, name] of Object.entries(org.chapters)) {
        await client.query(
          'insert into public.chapters (id, organization_id, name) values ($1, $2, $3)',
          [demoId(`${org.key}-${key}`), orgId, name],
        );
      }
      for (const member of org.staff) {
        await client.query(
          'insert into public.organization_members (organization_id, user_id, role) values ($1, $2, $3)',
          [orgId, demoId(member.key), member.role],
        );
        for (const chapter of member.chapters) {
          await client.query(
            'insert into public.coordinator_chapters (user_id, chapter_id) values ($1, $2)',
            [demoId(member.key), demoId(`${org.key}-${chapter}`)],
          );
        }
      }
      for (const mentor of org.mentors) {
        const userId = mentor.email === null ? null : demoId(`${mentor.key}-user`);
        if (userId) {
          await client.query(
            `insert into public.organization_members (organization_id, user_id, role) values ($1, $2, 'peer_mentor')`,
            [orgId, userId],
          );
        }
        await client.query(
          'insert into public.peer_mentors (id, organization_id, user_id, display_name) values ($1, $2, $3, $4)',
          [demoId(mentor.key), orgId, userId, mentor.name],
        );
        for (const chapter of mentor.chapters) {
          await client.query(
            'insert into public.peer_mentor_chapters (peer_mentor_id, chapter_id) values ($1, $2)',
            [demoId(mentor.key), demoId(`${org.key}-${chapter}`)],
          );
        }
        await client.query(
          'insert into public.peer_mentor_certifications (peer_mentor_id, valid_until) values ($1, $2)',
          [demoId(mentor.key), mentor.certifiedUntil],
        );
      }
    }
    await client.query('commit');

    for (const pause of demoPauses) {
      const org = demoOrganizations.find((candidate) => pause.mentor.startsWith(candidate.key));
      if (!org) throw new Error(`demo pause for unknown mentor ${pause.mentor}`);
      const orgId = demoId(org.key);
      const claims: JwtClaims =
        pause.by === 'system'
          ? serviceRoleClaims
          : userClaims(demoId(pause.by === pause.mentor ? `${pause.by}-user` : pause.by), orgId);
      await withCaller(client, claims, (caller) =>
        caller.query('select public.activate_pause($1, $2, $3, $4, $5)', [
          demoId(pause.mentor),
          orgId,
          pause.reason,
          pause.note,
          pause.days === null ? null : isoDate(pause.days),
        ]),
      );
    }
    return 'loaded';
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}
