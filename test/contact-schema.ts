/** A JSON Schema of contacts for the tests of schemas: a required field, a format, a range and a closed object. */
export const CONTACT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['id', 'email'],
  properties: {
    id: { type: 'string' },
    email: { type: 'string', format: 'email' },
    age: { type: 'integer', minimum: 0 },
    address: { type: 'object', properties: { city: { type: 'string' } }, additionalProperties: false },
  },
};
