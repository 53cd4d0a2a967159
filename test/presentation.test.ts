import { describe, expect, it } from 'vitest';
import { parseTime } from '../src/cli/context.js';
import { modelList } from '../src/cli/models.js';
import { payloadExcerpt } from '../src/cli/records-formats.js';
import { count, plural } from '../src/words.js';

describe('counts for people', () => {
  it.each([
    [0, '0', '0 records'],
    [1, '1', '1 record'],
    [999, '999', '999 records'],
    [1_000, '1,000', '1,000 records'],
    [202_391, '202,391', '202,391 records'],
    [12_345_678, '12,345,678', '12,345,678 records'],
    [-1_234, '-1,234', '-1,234 records'],
    [1_234.5, '1,234.5', '1,234.5 records'],
  ])('%i is %s', (value, counted, phrase) => {
    expect(count(value)).toBe(counted);
    expect(plural(value, 'record')).toBe(phrase);
  });
});

describe('the payload in a table', () => {
  it.each([
    ['{"id":"a","name":"Ann"}', '{"name":"Ann"}'],
    ['{"id":7,"n":1}', '{"n":1}'],
    ['{"id":-1.5e3,"n":1}', '{"n":1}'],
    ['{ "id" : "a" , "n": 1 }', '{"n": 1 }'],
    ['{"id":"a \\" b","n":1}', '{"n":1}'],
    ['{"id":"a"}', '{}'],
    ['{"name":"Ann","id":"a"}', '{"name":"Ann","id":"a"}'],
    ['{"idx":1}', '{"idx":1}'],
    [null, '(pruned)'],
  ])('%s shows as %s', (payload, shown) => {
    expect(payloadExcerpt(payload)).toBe(shown);
  });
});

describe('times that options take', () => {
  const now = () => Date.parse('2024-01-10T00:00:00Z');
  it.each([
    ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000Z'],
    ['45s', '2024-01-09T23:59:15.000Z'],
    ['90m', '2024-01-09T22:30:00.000Z'],
    ['1h', '2024-01-09T23:00:00.000Z'],
    ['7d', '2024-01-03T00:00:00.000Z'],
    ['2w', '2023-12-27T00:00:00.000Z'],
  ])('%s is %s', (text, time) => {
    expect(new Date(parseTime(text, '--since', now)).toISOString()).toBe(time);
  });
  it.each([
    ['yesterday', /^--since: 'yesterday' is not an ISO 8601 timestamp.*, nor a duration back from now \(90m, 12h, 7d\)$/],
    ['5y', /^--since takes a duration like 30d, 12h, 90m or 45s, not '5y'$/],
  ])('%s is refused', (text, message) => {
    expect(() => parseTime(text, '--since', now)).toThrow(message);
  });
});

describe('the models named when --model is missing', () => {
  const chosen = { integration: 'default', connection: 'default' };
  const at = (model: string, connection = 'default', integration = 'default') => ({ integration, connection, model });
  it.each([
    [[at('Contact'), at('Deal')], 'Contact, Deal'],
    [[at('Invoice', 'acme'), at('Contact')], 'Contact, Invoice (--connection acme)'],
    [[at('Lead', 'x', 'crm')], 'Lead (--integration crm --connection x)'],
    [['A', 'B', 'C', 'D', 'E', 'F', 'G'].map((model) => at(model)), 'A, B, C, D, E and 2 more (see rcache stats)'],
  ])('%j: %s', (datasets, phrase) => {
    expect(modelList(datasets, chosen)).toBe(phrase);
  });
});
