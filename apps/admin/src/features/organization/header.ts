// The header's part of this feature, loaded lazily by the shell (app/layout.tsx) so the first
// page's bundle stays within its budget.
export { OrganizationHeader, OrganizationNav } from './organization-header';
