import { AppShell, Box, Button, Group, SegmentedControl, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { lazy, type ReactNode, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import type { Caller } from '../features/auth';
import { type Language, languages, setLanguage } from '../lib/i18n';
import { queryClient } from '../lib/query-client';
import { supabase } from '../lib/supabase';

// The organization switcher and the org-admin links load after sign-in (bundle budget).
const OrganizationHeader = lazy(() =>
  import('../features/organization/header').then((m) => ({ default: m.OrganizationHeader })),
);
const OrganizationNav = lazy(() =>
  import('../features/organization/header').then((m) => ({ default: m.OrganizationNav })),
);

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('app.language')}
      value={i18n.language}
      onChange={(value) => setLanguage(value as Language)}
      data={languages.map((language) => ({ value: language, label: language.toUpperCase() }))}
    />
  );
}

export function Layout({ caller, children }: { caller: Caller | null; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <AppShell header={{ height: { base: 96, sm: 60 } }} padding="md">
      <AppShell.Header px="md">
        <Group h="100%" justify="space-between" wrap="wrap" gap="xs">
          <Group gap="sm">
            <Title order={2} size="h4">
              <Link to="/" style={{ color: 'inherit', textDecoration: 'none' }}>
                {t('app.title')}
              </Link>
            </Title>
            {caller && (
              <Suspense
                fallback={
                  <Text size="sm" c="dimmed">
                    {caller.organizationName} · {t(`role.${caller.role}`)}
                  </Text>
                }
              >
                <OrganizationHeader caller={caller} />
                <Box visibleFrom="sm">
                  <OrganizationNav caller={caller} />
                </Box>
              </Suspense>
            )}
          </Group>
          <Group gap="xs">
            <LanguageSwitch />
            <Button
              size="xs"
              variant="default"
              onClick={async () => {
                await supabase.auth.signOut();
                queryClient.clear();
              }}
            >
              {t('app.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main>
        <main>
          {caller && (
            // At phone width the org-admin links sit above the page, not in the header.
            <Box hiddenFrom="sm" mb="sm">
              <Suspense fallback={null}>
                <OrganizationNav caller={caller} />
              </Suspense>
            </Box>
          )}
          {children}
        </main>
        <Text component="footer" size="xs" c="dimmed" ta="center" mt="xl">
          @peer-mentor/admin {import.meta.env.PM_ADMIN_VERSION}
        </Text>
      </AppShell.Main>
    </AppShell>
  );
}
