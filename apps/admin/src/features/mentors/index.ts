export { MentorPage, type MentorStatus, mentorKeys, ownMentorIdQuery } from './mentor-page';
