import type { FeatureViewSpec } from './enrich-batch.ts';
import type { EnrichConfig } from './enrich-config.ts';

/**
 * The enrich config with the model's view filled in: a view that declares no fields (the default)
 * gets the bundle's, each with its type and default, in the bundle's order (the packed layout's).
 * A view that declares fields keeps them; `featureViewProblems` then checks they serve the model.
 * Called at startup by everything that reads or writes the view (the pipeline, the loader).
 */
export function bindFeatureView<C extends Pick<EnrichConfig, 'view' | 'views'>>(
  config: C,
  model: FeatureViewSpec,
): C {
  const view = config.views[config.view];
  if (!view || Object.keys(view.fields).length > 0 || !model.types) return config;
  const types = model.types;
  const fields = Object.fromEntries(
    model.names.map((name) => [name, { type: types[name] ?? 'double', default: model.defaults[name] }]),
  );
  return { ...config, views: { ...config.views, [config.view]: { ...view, fields } } };
}
