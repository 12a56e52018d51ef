import type { ComponentProps, ReactNode } from 'react';
import type { Brand } from '@audenci/sdk-js';
import { SelectField } from './select-field';

type BrandSelectProps = Omit<ComponentProps<typeof SelectField>, 'label' | 'children'> & {
  brands: readonly Pick<Brand, 'id' | 'name'>[];
  /** The first option, value `''`: "All brands", "No brand", "Choose a brand…"; none when omitted. */
  none?: string;
  /** Options after the brands (the calendar's "All brands (your time zone)"). */
  children?: ReactNode;
};

/** The "Brand" select of forms and filters: one option per brand, by name, its id as the value. */
export function BrandSelect({ brands, none, children, ...select }: BrandSelectProps) {
  return (
    <SelectField label="Brand" {...select}>
      {none === undefined ? null : <option value="">{none}</option>}
      {brands.map((brand) => (
        <option key={brand.id} value={brand.id}>
          {brand.name}
        </option>
      ))}
      {children}
    </SelectField>
  );
}
