import { zodResolver } from '@hookform/resolvers/zod';
import {
  Alert,
  Button,
  Group,
  Modal,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { NOTE_MAX_LENGTH, type PauseStatus, pauseLockingActorRoles } from '@peer-mentor/contracts';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import type { Notice } from '../../components/notice';
import { errorMessage, isConflict } from '../../lib/errors';
import { supabase } from '../../lib/supabase';
import type { Caller } from '../auth';
import { type PauseFormValues, pauseFormSchema, reasonCodesFor } from './pause-form';

export type { Notice };

export interface PauseTarget {
  peer_mentor_id: string;
  display_name: string;
  status: PauseStatus;
  paused_by_role: string | null;
}

interface PauseActionsProps {
  caller: Caller;
  mentor: PauseTarget;
  /** Called after every attempt (the data behind the page changed, or may have). */
  onChanged: () => void;
  /** Plain words for the page: success, or that someone else acted first. */
  onNotice: (notice: Notice) => void;
}

/** Pause (with its dialog) or resume one mentor, as the signed-in role may. */
export function PauseActions(props: PauseActionsProps) {
  const { t } = useTranslation();
  const { caller, mentor, onChanged, onNotice } = props;
  const [open, setOpen] = useState(false);
  const resume = useMutation({
    mutationFn: async () => {
      const { error } = await supabase.rpc('deactivate_pause', {
        p_peer_mentor_id: mentor.peer_mentor_id,
        p_organization_id: caller.organizationId,
      });
      if (error) throw error;
    },
    onSuccess: () =>
      onNotice({ kind: 'success', message: t('pause.resumed', { name: mentor.display_name }) }),
    onError: (error) =>
      onNotice({ kind: isConflict(error) ? 'conflict' : 'error', message: errorMessage(t, error) }),
    onSettled: onChanged,
  });

  if (mentor.status === 'paused') {
    const locked =
      caller.role === 'peer_mentor' &&
      pauseLockingActorRoles.includes(mentor.paused_by_role as never);
    if (locked) return <Text size="sm">{t('pause.lockedExplanation')}</Text>;
    return (
      <Button
        size="xs"
        variant="light"
        loading={resume.isPending}
        onClick={() => resume.mutate()}
        aria-label={`${t('pause.resume')}: ${mentor.display_name}`}
      >
        {t('pause.resume')}
      </Button>
    );
  }
  return (
    <>
      <Button
        size="xs"
        onClick={() => setOpen(true)}
        aria-label={`${t('pause.action')}: ${mentor.display_name}`}
      >
        {t('pause.action')}
      </Button>
      {open && <PauseDialog {...props} onClose={() => setOpen(false)} />}
    </>
  );
}

function PauseDialog({
  caller,
  mentor,
  onChanged,
  onNotice,
  onClose,
}: PauseActionsProps & { onClose: () => void }) {
  const { t } = useTranslation();
  const [{ schema, today }] = useState(() => pauseFormSchema(caller.role, caller.timeZone));
  const form = useForm<PauseFormValues>({
    resolver: zodResolver(schema),
    defaultValues: { note: '', expectedEnd: '' },
  });
  const note = form.watch('note') ?? '';
  const pause = useMutation({
    mutationFn: async (values: PauseFormValues) => {
      const { error } = await supabase.rpc('activate_pause', {
        p_peer_mentor_id: mentor.peer_mentor_id,
        p_organization_id: caller.organizationId,
        p_reason_code: values.reason,
        p_note: values.note === '' ? null : values.note,
        p_expected_end: values.expectedEnd === '' ? null : values.expectedEnd,
      });
      if (error) throw error;
    },
    onSuccess: () => {
      onNotice({ kind: 'success', message: t('pause.paused', { name: mentor.display_name }) });
      onClose();
    },
    onError: (error) => {
      if (isConflict(error)) {
        onNotice({ kind: 'conflict', message: errorMessage(t, error) });
        onClose();
      }
    },
    onSettled: onChanged,
  });
  const fieldError = (key: keyof PauseFormValues) => {
    const message = form.formState.errors[key]?.message;
    return message ? t(message, { today, max: NOTE_MAX_LENGTH }) : undefined;
  };
  return (
    <Modal
      opened
      onClose={onClose}
      title={t('pause.dialogTitle', { name: mentor.display_name })}
      closeButtonProps={{ 'aria-label': t('pause.cancel') }}
    >
      <form onSubmit={form.handleSubmit((values) => pause.mutate(values))} noValidate>
        <Stack>
          {pause.isError && !isConflict(pause.error) && (
            <Alert color="red" role="alert">
              {errorMessage(t, pause.error)}
            </Alert>
          )}
          <Controller
            control={form.control}
            name="reason"
            render={({ field }) => (
              <Select
                label={t('pause.reason')}
                required
                data={reasonCodesFor(caller.role).map((code) => ({
                  value: code,
                  label: t(`reason.${code}`),
                }))}
                value={field.value ?? null}
                onChange={(value) => field.onChange(value ?? undefined)}
                error={fieldError('reason')}
                comboboxProps={{ withinPortal: true }}
              />
            )}
          />
          <Textarea
            label={t('pause.note')}
            autosize
            minRows={3}
            maxRows={8}
            error={fieldError('note')}
            description={t('pause.counter', { count: note.length, max: NOTE_MAX_LENGTH })}
            {...form.register('note')}
          />
          <TextInput
            label={t('pause.expectedEnd')}
            type="date"
            min={today}
            error={fieldError('expectedEnd')}
            {...form.register('expectedEnd')}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('pause.cancel')}
            </Button>
            <Button type="submit" loading={pause.isPending}>
              {t('pause.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
