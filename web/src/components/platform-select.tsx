import type { ComponentProps } from 'react';
import { useQuery } from '@tanstack/react-query';
import { PLATFORMS, platformsQuery } from '../api/platforms';
import { SelectField } from './select-field';

type PlatformSelectProps = Omit<ComponentProps<typeof SelectField>, 'label' | 'children'>;

/**
 * A "Platform" filter: "All platforms" (value `''`), then each platform by the name the API gives it
 * (the built-in names while the list loads).
 */
export function PlatformSelect(select: PlatformSelectProps) {
  const platforms = useQuery(platformsQuery);
  const options = platforms.data?.map((p) => ({ value: p.platform, label: p.displayName })) ?? PLATFORMS;
  return (
    <SelectField label="Platform" {...select}>
      <option value="">All platforms</option>
      {options.map((p) => (
        <option key={p.value} value={p.value}>
          {p.label}
        </option>
      ))}
    </SelectField>
  );
}
