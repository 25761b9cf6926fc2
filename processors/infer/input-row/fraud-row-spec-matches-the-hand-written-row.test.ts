import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng, TransactionGenerator } from '../../../models/generator/index.ts';
import type { TransactionEvent } from '../../../schemas/records.ts';
import {
  FRAUD_FEATURE_COUNT,
  FRAUD_FEATURE_DEFAULTS,
  FRAUD_FEATURES,
  FRAUD_STORE_FEATURES,
  writeFeatureVector,
} from '../../../tests/support/hand-written-fraud-row.ts';
import { loadInputRow } from './load-input-row.ts';

const schema = JSON.parse(readFileSync('schemas/transaction-event.avsc', 'utf8'));
const manifest = JSON.parse(readFileSync('models/fraud/manifest.json', 'utf8'));
const bundleDefaults: Record<string, number> = Object.fromEntries(
  Object.entries(manifest.featureView.fields as Record<string, { default: number }>).map(([k, v]) => [
    k,
    v.default,
  ]),
);
const row = loadInputRow('models/fraud/input-row.json', schema, bundleDefaults);

function events(): Array<{ event: TransactionEvent; features: Record<string, number> }> {
  const generator = new TransactionGenerator({ seed: 7 });
  const rng = new Rng(11);
  const out: Array<{ event: TransactionEvent; features: Record<string, number> }> = [];
  for (let i = 0; i < 20_000; i++) {
    const { event } = generator.next();
    // Some users have every feature, some a few, some none: each default path is exercised.
    const features: Record<string, number> = {};
    for (const name of FRAUD_STORE_FEATURES) if (rng.next() < 0.8) features[name] = rng.next() * 500;
    if (i % 97 === 0) features.avg_amount_30d = rng.next() * 0.5; // a denominator under the minimum
    out.push({ event, features });
  }
  const edge = (patch: Partial<TransactionEvent>) => ({
    event: { ...out[0]!.event, ...patch },
    features: {},
  });
  out.push(
    edge({ event_time: -1 }), // before 1970: hour 23, not -1
    edge({ event_time: -3_600_000 * 30 }),
    edge({ merchant_category: 'unheard-of' }), // the table's default
    edge({ country: 'US' }),
    edge({ channel: 'POS' as TransactionEvent['channel'] }),
    edge({ amount: 0 }),
  );
  return out;
}

describe('the fraud input row declared as transforms (models/fraud/input-row.json)', () => {
  it('names the same 12 columns, in the same order, as the hand-written row', () => {
    expect(row.width).toBe(FRAUD_FEATURE_COUNT);
    expect(row.names).toEqual(FRAUD_FEATURES);
  });

  it("reads the same store features, with the same defaults, from the bundle's feature view", () => {
    expect(bundleDefaults).toEqual(FRAUD_FEATURE_DEFAULTS);
  });

  it('writes bit for bit the rows writeFeatureVector writes, on 20,000 generated events and the edge cases', () => {
    const cases = events();
    const width = FRAUD_FEATURE_COUNT;
    const compiled = new Float32Array(cases.length * width + 2);
    const written = new Float32Array(cases.length * width + 2);
    cases.forEach(({ event, features }, i) => {
      row.write(event, features, compiled, 1 + i * width);
      writeFeatureVector(event, features, written, 1 + i * width);
    });
    expect(compiled[0]).toBe(0); // nothing outside its own slice
    expect(compiled.at(-1)).toBe(0);
    const bits = (a: Float32Array) => new Uint32Array(a.buffer);
    const a = bits(compiled);
    const b = bits(written);
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) {
        const at = Math.floor((i - 1) / width);
        throw new Error(
          `event ${at}, column ${FRAUD_FEATURES[(i - 1) % width]}: compiled ${compiled[i]} vs hand-written ${written[i]}`,
        );
      }
    }
  });
});
