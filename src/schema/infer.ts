// A schema inferred from records: the narrowest simple one that every record given satisfies.

type JsonType = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'object' | 'array';

const TYPE_ORDER: readonly JsonType[] = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];

/** What was seen at one place of the records: the types of its values, and the fields and items of its objects and arrays. */
class Shape {
  readonly types = new Set<JsonType>();
  /** How many objects were seen here: a field present in every one of them is required. */
  objects = 0;
  readonly fields = new Map<string, { shape: Shape; present: number }>();
  items: Shape | undefined;

  add(value: unknown): void {
    if (value === null) this.types.add('null');
    else if (Array.isArray(value)) {
      this.types.add('array');
      for (const item of value) (this.items ??= new Shape()).add(item);
    } else if (typeof value === 'object') {
      this.types.add('object');
      this.objects++;
      for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
        let seen = this.fields.get(key);
        if (seen === undefined) this.fields.set(key, (seen = { shape: new Shape(), present: 0 }));
        seen.present++;
        seen.shape.add(field);
      }
    } else if (typeof value === 'number') this.types.add(Number.isInteger(value) ? 'integer' : 'number');
    else if (typeof value === 'boolean') this.types.add('boolean');
    else if (typeof value === 'string') this.types.add('string');
  }

  schema(): Record<string, unknown> {
    // A place that holds integers and other numbers holds numbers.
    const types = TYPE_ORDER.filter((type) => this.types.has(type) && !(type === 'integer' && this.types.has('number')));
    const schema: Record<string, unknown> = {};
    if (types.length > 0) schema.type = types.length === 1 ? types[0] : types;
    if (this.types.has('object') && this.fields.size > 0) {
      schema.properties = Object.fromEntries([...this.fields].map(([key, { shape }]) => [key, shape.schema()]));
      const required = [...this.fields].filter(([, { present }]) => present === this.objects).map(([key]) => key);
      if (required.length > 0) schema.required = required;
    }
    if (this.items !== undefined) schema.items = this.items.schema();
    return schema;
  }
}

/** What inferSchema learns, one record at a time: memory grows with the fields seen, not with the records. */
export class SchemaInference {
  private readonly root = new Shape();
  /** Records seen so far. */
  count = 0;

  add(record: unknown): void {
    this.root.add(record);
    this.count++;
  }

  schema(): Record<string, unknown> {
    return { $schema: 'https://json-schema.org/draft/2020-12/schema', ...this.root.schema() };
  }
}

/**
 * A JSON Schema (draft 2020-12) that every one of `records` (parsed JSON values) satisfies: the
 * types seen at each field, objects described field by field (required where present in all of
 * them), arrays by what all their items hold. Nothing is said that the records did not show: no
 * formats, ranges or enumerations, and other fields stay allowed.
 */
export function inferSchema(records: Iterable<unknown>): Record<string, unknown> {
  const inference = new SchemaInference();
  for (const record of records) inference.add(record);
  return inference.schema();
}
