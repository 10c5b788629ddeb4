import { Anchor, AppShell, Button, Group, SegmentedControl, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Caller } from '../features/auth';
import { type Language, languages, setLanguage } from '../lib/i18n';
import { queryClient } from '../lib/query-client';
import { supabase } from '../lib/supabase';

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
              <Text size="sm" c="dimmed">
                {caller.organizationName} · {t(`role.${caller.role}`)}
              </Text>
            )}
            {caller?.role === 'org_admin' && (
              <Anchor size="sm" renderRoot={(props) => <Link {...props} to="/operations" />}>
                {t('app.operations')}
              </Anchor>
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
        <main>{children}</main>
      </AppShell.Main>
    </AppShell>
  );
}
