import { describe, expect, it } from 'vitest';
import type { ConsumedRecord } from '../../streams/index.ts';
import { newScoringItem, type ScoringItem } from '../scoring-item.ts';
import { inferStage } from './infer-stage.ts';
import type { ModelOutput } from './model-manifest.ts';
import type { FeatureVector, Scorer } from './scorer.ts';

const vector: FeatureVector = {
  width: 1,
  write(_event, _features, out, offset) {
    out[offset] = 0;
  },
};

/** A scorer whose `infer` returns the given values: what the worker returns for the kind. */
function scorer(outputKind: ModelOutput, values: number[]): Scorer {
  return {
    model: 'm',
    version: '7',
    decisionThreshold: Number.NaN,
    outputKind,
    infer: async () => Float32Array.from(values),
  };
}

async function scored(kind: ModelOutput, values: number[], rows: number): Promise<ScoringItem[]> {
  const items = Array.from({ length: rows }, (_, i) =>
    newScoringItem({} as ConsumedRecord, {}, `e${i}`, 'k', 0),
  );
  await inferStage(scorer(kind, values), vector).process(items);
  return items;
}

describe('the infer stage reads each output kind as its manifest defines it', () => {
  it('binary-classifier: the positive probability, and 1 at or above the threshold', async () => {
    const items = await scored(
      { kind: 'binary-classifier', positiveClassIndex: 1, decisionThreshold: 0.75 },
      [0.75, 0.74],
      2,
    );
    expect(items.map((i) => [i.score, i.label, i.outputs])).toEqual([
      [0.75, 1, {}],
      [Math.fround(0.74), 0, {}],
    ]);
  });

  it('regressor: the value, no label', async () => {
    const items = await scored({ kind: 'regressor' }, [-0.25, 3.5], 2);
    expect(items.map((i) => [i.score, i.label, i.outputs])).toEqual([
      [-0.25, null, {}],
      [3.5, null, {}],
    ]);
    expect(items[0]!.modelVersion).toBe('7');
  });

  it('multiclass: the top probability, its class index, every class by name', async () => {
    const classes = ['ok', 'worn', 'failing'];
    const items = await scored({ kind: 'multiclass', classes }, [0.25, 0.5, 0.25, 0.125, 0.125, 0.75], 2);
    expect(items.map((i) => [i.score, i.label, i.outputs])).toEqual([
      [0.5, 1, { ok: 0.25, worn: 0.5, failing: 0.25 }],
      [0.75, 2, { ok: 0.125, worn: 0.125, failing: 0.75 }],
    ]);
  });
});
