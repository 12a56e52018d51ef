/**
 * The side navigation. A section joins it with its page: Settings (API Keys, Integrations → Webhooks,
 * Organization), Brands and Social accounts are added by the steps that build them.
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
      { to: '/brands', label: 'Brands' },
      { to: '/social-accounts', label: 'Social accounts' },
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
