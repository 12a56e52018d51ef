/**
 * The side navigation: the day's work (calendar, composer, campaigns, plans, media, analytics, comments),
 * the brands and their accounts, what developers watch (jobs, the event log), and settings.
 */
import type { LinkProps } from '@tanstack/react-router';

export interface NavItem {
  to: LinkProps['to'];
  label: string;
}

export interface NavSection {
  title: string;
  items: NavItem[];
}

export const NAV: NavSection[] = [
  {
    title: 'Workspace',
    items: [
      { to: '/', label: 'Overview' },
      { to: '/calendar', label: 'Calendar' },
      { to: '/compose', label: 'Compose' },
      { to: '/campaigns', label: 'Campaigns' },
      { to: '/plans', label: 'Content plans' },
      { to: '/media', label: 'Media library' },
      { to: '/analytics', label: 'Analytics' },
      { to: '/comments', label: 'Comments' },
    ],
  },
  {
    title: 'Brands',
    items: [
      { to: '/brands', label: 'Brands' },
      { to: '/social-accounts', label: 'Social accounts' },
    ],
  },
  {
    title: 'Developers',
    items: [
      { to: '/jobs', label: 'Jobs' },
      { to: '/events', label: 'Event log' },
    ],
  },
  {
    title: 'Settings',
    items: [
      { to: '/settings/api-keys', label: 'API keys' },
      { to: '/settings/webhooks', label: 'Webhooks' },
      { to: '/settings/organization', label: 'Organization' },
    ],
  },
];
