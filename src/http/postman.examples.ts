/** Plausible example values for JSON Schemas of an OpenAPI document: request bodies and parameters. */

type Json = Record<string, unknown>;

const EXAMPLE_ID = '01JD7Q8ZK2M4N6P8R0T2V4X6Z8';

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const singular = (s: string) => (s.endsWith('ies') ? `${s.slice(0, -3)}y` : s.replace(/s$/, ''));

/** Makes plausible example values from the JSON Schemas of a document (`$ref`s resolved against it). */
export class Examples {
  private readonly start: Date;
  constructor(
    private readonly document: Json,
    /** Fields named like these become `{{name}}` references to the collection variable. */
    private readonly variables: Set<string>,
    now: Date,
  ) {
    this.start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 7, 9));
  }

  private resolve(schema: Json): Json {
    for (let i = 0; typeof schema.$ref === 'string' && i < 10; i++) {
      let node: unknown = this.document;
      for (const part of schema.$ref.replace(/^#\//, '').split('/')) {
        node = isObject(node) ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
      }
      schema = isObject(node) ? node : {};
    }
    return schema;
  }

  /** Required fields only (all fields of an object none of whose fields is required, at the top). */
  value(input: unknown, name = '', depth = 0): unknown {
    if (!isObject(input) || depth > 8) return null;
    const schema = this.resolve(input);
    if (this.variables.has(name) && /string/.test(JSON.stringify(schema.type ?? 'string'))) {
      return `{{${name}}}`;
    }
    if ('example' in schema) return schema.example;
    if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
    if ('const' in schema) return schema.const;
    if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
    if (schema.default !== undefined) return schema.default;
    const variants = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
    if (Array.isArray(variants)) {
      const variant = variants.find((v) => this.resolve(v).type !== 'null') ?? variants[0];
      return this.value(variant, name, depth + 1);
    }
    if (Array.isArray(schema.allOf)) {
      return Object.assign({}, ...(schema.allOf.map((s) => this.value(s, name, depth + 1)) as Json[]));
    }
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type];
    const type = types.find((t) => t !== 'null') ?? (schema.properties ? 'object' : 'string');
    switch (type) {
      case 'object':
        return this.object(schema, depth);
      case 'array':
        return [this.value(schema.items, singular(name), depth + 1)];
      case 'integer':
      case 'number':
        return typeof schema.minimum === 'number' ? Math.max(schema.minimum, 1) : 1;
      case 'boolean':
        return true;
      default:
        return this.string(schema, name);
    }
  }

  /** A query parameter's value: documented or typed, but no made-up free text (it would only mislead). */
  query(input: unknown, name: string): unknown {
    const schema = isObject(input) ? this.resolve(input) : {};
    const typed = ['example', 'examples', 'const', 'enum', 'default', 'format'].some((k) => k in schema);
    return typed || /(integer|number|boolean)/.test(String(schema.type)) ? this.value(schema, name) : '';
  }

  private object(schema: Json, depth: number): Json {
    const properties = isObject(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    const names = required.length > 0 || depth > 0 ? required : Object.keys(properties);
    return Object.fromEntries(names.map((n) => [n, this.value(properties[n], n, depth + 1)]));
  }

  private string(schema: Json, name: string): string {
    const days = /^(end|until|to)/i.test(name) ? 14 : 0;
    const date = new Date(this.start.getTime() + days * 86_400_000).toISOString().replace('.000', '');
    const prefix = typeof schema.pattern === 'string' ? /^\^([a-z]+)_/.exec(schema.pattern)?.[1] : undefined;
    let value: string;
    if (schema.format === 'date-time' || /(At|For|Date)$/.test(name)) value = date;
    else if (schema.format === 'date') value = date.slice(0, 10);
    else if (schema.format === 'uri' || /url$/i.test(name)) value = 'https://example.com/audenci';
    else if (schema.format === 'email') value = 'team@example.com';
    else if (prefix) value = `${prefix}_${EXAMPLE_ID}`;
    else if (/timezone$/i.test(name)) value = 'Europe/Paris';
    else value = name ? `Example ${name}` : 'example';
    const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
    return value.padEnd(min, 'x');
  }
}
