import { ConfigError } from '../core/errors.ts';
import { type EventContract, loadEventContract } from '../processors/decode/index.ts';
import { bindFeatureView, type EnrichConfig, featureViewProblems } from '../processors/enrich/index.ts';
import { loadModelBundle, type ModelBundle } from '../processors/infer/index.ts';
import type { SluiceConfig } from './config/index.ts';

/** The event contract and model bundle config names, with the features config bound to the bundle's view. */
export interface ConfiguredModel {
  contract: EventContract;
  bundle: ModelBundle;
  /** `config.features` with the model's view filled in from the bundle (bindFeatureView). */
  features: EnrichConfig;
}

/**
 * Loads what the config points at, before anything opens: the event contract (`events`), the
 * bundle (`model.manifest`) compiled against the contract's schema, and the feature view the
 * bundle reads, checked to be the configured one and able to serve it. Every mismatch is a
 * ConfigError naming the config key or the bundle file (exit 2).
 */
export function loadConfiguredModel(
  config: Pick<SluiceConfig, 'events' | 'model' | 'features'>,
): ConfiguredModel {
  const contract = loadEventContract(config.events);
  const bundle = loadModelBundle(config.model.manifest, contract.schema);
  const wanted = bundle.featureViewName;
  if (wanted !== undefined && wanted !== config.features.view) {
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `features.view: is "${config.features.view}", but the model reads view "${wanted}" (featureView.name of ${bundle.manifest.manifestPath}); set features.view: ${wanted} and describe it under features.views.${wanted}`,
      { subject: 'features.view' },
    );
  }
  const features = bindFeatureView(config.features, bundle.featureView);
  const problem = featureViewProblems(bundle.featureView, features)[0];
  if (problem) {
    const key = problem.path.join('.');
    throw new ConfigError('SLUICE_CONFIG_INVALID', `${key}: ${problem.message}`, { subject: key });
  }
  return { contract, bundle, features };
}
