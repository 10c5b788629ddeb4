import { zodResolver } from '@hookform/resolvers/zod';
import { Alert, Button, Container, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { supabase } from '../../lib/supabase';

const SignInForm = z.object({ email: z.string().trim().min(1), password: z.string().min(1) });
type SignInForm = z.infer<typeof SignInForm>;

export function SignInPage() {
  const { t } = useTranslation();
  const [failed, setFailed] = useState(false);
  const form = useForm<SignInForm>({ resolver: zodResolver(SignInForm) });
  const onSubmit = form.handleSubmit(async (values) => {
    setFailed(false);
    const { error } = await supabase.auth.signInWithPassword(values);
    if (error) setFailed(true);
  });
  return (
    <Container size={420} py="xl" component="main">
      <Title order={1} mb="lg">
        {t('auth.heading')}
      </Title>
      <form onSubmit={onSubmit} noValidate>
        <Stack>
          {failed && (
            <Alert color="red" role="alert">
              {t('auth.failed')}
            </Alert>
          )}
          <TextInput
            label={t('auth.email')}
            type="email"
            autoComplete="username"
            error={form.formState.errors.email && t('auth.required')}
            {...form.register('email')}
          />
          <PasswordInput
            label={t('auth.password')}
            autoComplete="current-password"
            error={form.formState.errors.password && t('auth.required')}
            {...form.register('password')}
          />
          <Button type="submit" loading={form.formState.isSubmitting}>
            {t('auth.submit')}
          </Button>
        </Stack>
      </form>
    </Container>
  );
}
