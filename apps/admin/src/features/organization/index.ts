export { MembersPage } from './members-page';
export { MentorChaptersPage } from './mentors-page';
export { organizationKeys } from './queries';
