import { Badge, CloseButton, Group, Select } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Chapter } from './queries';

/**
 * The chapters one person is linked to (a coordinator's coverage, a mentor's chapters): each
 * with a button to remove it, and a list to add one of the others.
 */
export function ChapterAssignments({
  personName,
  assigned,
  chapters,
  disabled,
  onAdd,
  onRemove,
}: {
  personName: string;
  assigned: string[];
  chapters: Chapter[];
  disabled: boolean;
  onAdd: (chapter: Chapter) => void;
  onRemove: (chapter: Chapter) => void;
}) {
  const { t } = useTranslation();
  const linked = chapters.filter((chapter) => assigned.includes(chapter.id));
  const others = chapters.filter((chapter) => !assigned.includes(chapter.id));
  return (
    <Group gap="xs" wrap="wrap">
      {linked.map((chapter) => (
        <Badge
          key={chapter.id}
          variant="light"
          size="lg"
          tt="none"
          rightSection={
            <CloseButton
              size="xs"
              disabled={disabled}
              aria-label={t('organization.removeChapter', {
                name: personName,
                chapter: chapter.name,
              })}
              onClick={() => onRemove(chapter)}
            />
          }
        >
          {chapter.name}
        </Badge>
      ))}
      {linked.length === 0 && <span>{t('organization.noChapters')}</span>}
      {others.length > 0 && (
        <Select
          size="xs"
          w={170}
          aria-label={t('organization.addChapterFor', { name: personName })}
          placeholder={t('organization.addChapter')}
          data={others.map((chapter) => ({ value: chapter.id, label: chapter.name }))}
          value={null}
          disabled={disabled}
          onChange={(id) => {
            const chapter = others.find((candidate) => candidate.id === id);
            if (chapter) onAdd(chapter);
          }}
          comboboxProps={{ withinPortal: true }}
        />
      )}
    </Group>
  );
}
