import type { BatchStage, BoundCounter } from '../../streams/pipeline/index.ts';
import type { ScoringItem } from '../scoring-item.ts';
import { createEnricher, type EnrichOutcome, type FeatureViewSpec } from './enrich-batch.ts';
import type { EnrichConfig } from './enrich-config.ts';
import type { FeatureStore } from './feature-store.ts';

/**
 * The `enrich` stage of the scoring topology: one feature-store round trip per micro-batch, then
 * the view's policies (see enrich-batch.ts). A batch held for the store under `hold` lets go when
 * the topology's stop has waited its drain budget.
 */
export function enrichStage(
  store: FeatureStore,
  view: FeatureViewSpec,
  config: EnrichConfig,
): BatchStage<ScoringItem> {
  let enrich: ((items: ScoringItem[]) => Promise<EnrichOutcome>) | undefined;
  let lookups: BoundCounter<never> | undefined;
  return {
    id: 'enrich',
    open(context) {
      enrich = createEnricher(store, view, config, context.logger, { signal: context.shutdown });
      lookups = context.metrics.counter(
        'sluice_feature_lookups_total',
        'Distinct keys looked up in the feature store',
      );
    },
    async process(items) {
      const outcome = await enrich!(items);
      lookups!.inc(undefined, outcome.lookups);
    },
  };
}
