import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/errors.ts';
import { compileRow } from './compile-row.ts';
import { loadInputRow } from './load-input-row.ts';

const schema = JSON.parse(readFileSync('schemas/transaction-event.avsc', 'utf8'));
const fraud = JSON.parse(readFileSync('models/fraud/input-row.json', 'utf8'));
const manifest = JSON.parse(readFileSync('models/fraud/manifest.json', 'utf8'));
const defaults: Record<string, number> = Object.fromEntries(
  Object.entries(manifest.featureView.fields as Record<string, { default: number }>).map(([k, v]) => [
    k,
    v.default,
  ]),
);
const dir = mkdtempSync(join(tmpdir(), 'sluice-input-row-'));

/** The fraud row with column `index` replaced (or the file patched), as a file; the error it loads with. */
function errorFor(patch: (file: typeof fraud) => void, featureDefaults = defaults): ConfigError {
  const file = structuredClone(fraud);
  patch(file);
  const path = join(dir, `row-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(file));
  try {
    loadInputRow(path, schema, featureDefaults);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(path);
    return error as ConfigError;
  }
  throw new Error('the row loaded');
}

describe('an input row that cannot serve', () => {
  it('names an unknown transform and the transforms there are', () => {
    const error = errorFor((f) => {
      f.columns[1] = { name: 'log_amount', transform: 'sqrt', of: { field: 'amount' } };
    });
    expect(error.message).toMatch(
      /columns\[1\] "log_amount": transform "sqrt" is not one of value, log1p, ratio/,
    );
  });

  it('names a field the event schema does not have', () => {
    const error = errorFor((f) => {
      f.columns[0] = { name: 'amount', transform: 'value', of: { field: 'amount_usd' } };
    });
    expect(error.message).toContain('columns[0] "amount": field "amount_usd" is not in the event schema');
  });

  it('names a field of the wrong kind for its transform', () => {
    const numeric = errorFor((f) => {
      f.columns[1] = { name: 'log_amount', transform: 'log1p', of: { field: 'country' } };
    });
    expect(numeric.message).toContain(
      'columns[1] "log_amount": field "country" is a string; this transform needs a number or boolean',
    );
    const text = errorFor((f) => {
      f.columns[10] = { name: 'is_foreign', transform: 'notEquals', field: 'amount', value: 'US' };
    });
    expect(text.message).toContain(
      'columns[10] "is_foreign": field "amount" is a number; this transform needs a string',
    );
  });

  it("names a store feature the bundle's feature view does not have", () => {
    const { txn_count_7d: _dropped, ...fewer } = defaults;
    const error = errorFor(() => undefined, fewer);
    expect(error.message).toContain('columns[4] "txn_count_7d": store feature "txn_count_7d" is not in');
  });

  it('names a column name used twice, and oneHot names that do not match its values', () => {
    expect(
      errorFor((f) => {
        f.columns[3].name = 'amount';
      }).message,
    ).toContain('columns[3] "amount": the column name "amount" is used twice');
    expect(
      errorFor((f) => {
        f.columns[9].name = 'channel_atm';
      }).message,
    ).toContain('columns[9] "channel_atm": the column name "channel_atm" is used twice');
    expect(
      errorFor((f) => {
        f.columns[8].names = ['channel_online'];
      }).message,
    ).toContain('columns[8] "channel": "names" has 1 entries for 2 values');
  });

  it('names a bad argument of a column, and a file that is not JSON', () => {
    expect(
      errorFor((f) => {
        f.columns[2].minDenominator = 'one';
      }).message,
    ).toMatch(/columns\[2\] "amount_to_avg": minDenominator: /);
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ "columns": [');
    expect(() => loadInputRow(path, schema, defaults)).toThrow(new RegExp(`input row ${path}: .*JSON`));
  });
});

describe('the compiled writer', () => {
  it('treats names and strings as data, never as code', () => {
    const hostile = 'x"]; globalThis.pwned = 1; //';
    const row = compileRow(
      [
        { name: hostile, transform: 'value', of: { field: hostile } },
        { name: 'flag', transform: 'equals', field: 's', value: '"); globalThis.pwned = 2; ("' },
      ],
      {
        eventFields: new Map([
          [hostile, 'number'],
          ['s', 'string'],
        ]),
        featureDefaults: {},
      },
    );
    const out = new Float32Array(2);
    row.write({ [hostile]: 7, s: '"); globalThis.pwned = 2; ("' }, {}, out, 0);
    expect(Array.from(out)).toEqual([7, 1]);
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
  });

  it('writes a boolean field as 1 or 0', () => {
    const row = compileRow([{ name: 'b', transform: 'value', of: { field: 'b' } }], {
      eventFields: new Map([['b', 'boolean']]),
      featureDefaults: {},
    });
    const out = new Float32Array(2);
    row.write({ b: true }, {}, out, 0);
    row.write({ b: false }, {}, out, 1);
    expect(Array.from(out)).toEqual([1, 0]);
  });
});
