import { describe, expect, it } from 'vitest';
import {
  AccessTokenAppMetadata,
  ORGANIZATION_ID_CLAIM,
  ORGANIZATION_ROLE_CLAIM,
} from './claims.js';
import {
  ChangeMemberRoleArgs,
  CoordinatorChapterArgs,
  OrganizationSwitchRows,
  SwitchOrganizationArgs,
} from './memberships.js';
import { rpcFunctions } from './rpc.js';

const org = '3b0b2f0e-6a55-4c1e-9a43-0f4c3c2b1a00';
const user = '5c1d6b2e-8f3a-4b7c-9d2e-1a0b9c8d7e6f';

describe('the access token hook’s claim shape', () => {
  it('reads the organization and the informational role, and keeps Supabase’s own keys', () => {
    const parsed = AccessTokenAppMetadata.parse({
      provider: 'email',
      providers: ['email'],
      organization_id: org,
      organization_role: 'coordinator',
    });
    expect(parsed).toEqual({
      provider: 'email',
      providers: ['email'],
      organization_id: org,
      organization_role: 'coordinator',
    });
  });

  it('accepts a token without a membership (both keys absent) and refuses malformed ones', () => {
    expect(AccessTokenAppMetadata.safeParse({ provider: 'email' }).success).toBe(true);
    expect(AccessTokenAppMetadata.safeParse({ organization_id: 'hlf' }).success).toBe(false);
    expect(AccessTokenAppMetadata.safeParse({ organization_role: 'boss' }).success).toBe(false);
  });

  it('names both claims under app_metadata, never user_metadata', () => {
    expect(ORGANIZATION_ID_CLAIM.container).toBe('app_metadata');
    expect(ORGANIZATION_ROLE_CLAIM.key).toBe('app_metadata.organization_role');
  });
});

describe('membership RPC arguments', () => {
  it('refuse unknown roles, missing ids and unknown keys, as PostgREST would', () => {
    expect(
      ChangeMemberRoleArgs.safeParse({ p_organization_id: org, p_user_id: user, p_role: 'boss' })
        .success,
    ).toBe(false);
    expect(
      CoordinatorChapterArgs.safeParse({ p_organization_id: org, p_user_id: user }).success,
    ).toBe(false);
    expect(SwitchOrganizationArgs.safeParse({ p_organization_id: org, extra: 1 }).success).toBe(
      false,
    );
  });

  it('switch_organization answers with one row; the administration RPCs with one object', () => {
    expect(
      OrganizationSwitchRows.parse([
        {
          organization_id: org,
          organization_name: 'HLF',
          role: 'org_admin',
          selected_at: '2026-12-01T02:30:00.123456+00:00',
        },
      ]),
    ).toHaveLength(1);
    for (const name of [
      'change_member_role',
      'remove_member',
      'assign_coordinator_chapter',
      'unassign_coordinator_chapter',
      'add_mentor_chapter',
      'remove_mentor_chapter',
    ] as const) {
      expect(rpcFunctions[name].returns, name).toBe('single');
      expect(rpcFunctions[name].errors, name).toEqual([
        'PM401',
        'PM403',
        'PM404',
        'PM412',
        'PM422',
      ]);
    }
  });
});
