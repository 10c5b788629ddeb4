export { ChapterPage, StatusBadge } from './chapter-page';
export { HomePage } from './home-page';
export { chapterKeys, type RosterRow, type RosterSearch } from './queries';
