import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import type { Logger } from '../core/logger.ts';
import type { DriftReportSinkOptions, PartialItem } from '../processors/drift/aggregate/drift-report-sink.ts';
import { SlidingWindows } from '../processors/drift/aggregate/sliding-windows.ts';
import { WindowAggregator } from '../processors/drift/aggregate/window-aggregator.ts';
import type { DriftThresholds } from '../processors/drift/drift-thresholds.ts';
import { SCORE_COLUMN } from '../processors/drift/profile/bundle-drift.ts';
import { type DriftColumns, driftColumns } from '../processors/drift/tap/drift-columns.ts';
import { DriftTap, type DriftTapOptions } from '../processors/drift/tap/drift-tap.ts';
import type { ModelBundle, Scorer } from '../processors/infer/index.ts';
import type { LiveFeed } from '../sinks/websocket/index.ts';
import type { Transport } from '../streams/index.ts';
import { TopologyRuntime } from '../streams/pipeline/index.ts';
import type { SluiceConfig } from './config/index.ts';
import { driftAggregatorTopology } from './topologies/drift-aggregator.ts';

export interface DriftSettingsOptions {
  config: Pick<SluiceConfig, 'drift' | 'topics' | 'consumer' | 'deadLetters'>;
  bundle: ModelBundle;
  scorer: Pick<Scorer, 'model' | 'version'>;
  liveFeed?: LiveFeed | undefined;
  /** This process's name in partials and alerts; default host name and pid. */
  replica?: string | undefined;
}

/** What the tap and the aggregator's report sink are made from, for the bundle's profile and the `drift` config. */
export interface DriftSettings {
  columns: DriftColumns;
  thresholds: DriftThresholds;
  tap: DriftTapOptions;
  /** A fresh aggregator with each call, so each report sink merges on its own. */
  report(): Omit<DriftReportSinkOptions, 'driftTopic' | 'alertsTopic'>;
}

/**
 * The drift settings for the bundle's profile, or undefined when the bundle has none or
 * `drift.enabled` is false. The thresholds' critical columns are the config's and the bundle's.
 */
export function driftSettings(options: DriftSettingsOptions): DriftSettings | undefined {
  const { config, bundle, scorer, liveFeed } = options;
  const drift = bundle.drift;
  if (!drift || !config.drift.enabled) return undefined;
  const settings = config.drift;
  const columns = driftColumns(drift, bundle.row.names, settings.sampleSize);
  const thresholds: DriftThresholds = {
    ...settings.thresholds,
    critical: [...new Set([...settings.thresholds.critical, ...drift.critical])],
  };
  const score = drift.profile.columns[SCORE_COLUMN];
  const output = bundle.output;
  return {
    columns,
    thresholds,
    tap: {
      columns,
      // Sliding windows are made of tumbling panes: the taps cut panes, the aggregator combines them.
      windowMs: settings.slideMs ?? settings.windowMs,
      graceMs: settings.graceMs,
      idleCloseMs: settings.idleCloseMs,
      partialsTopic: config.topics.driftPartials,
      alertsTopic: config.topics.alerts,
      replica: options.replica ?? `${hostname()}-${process.pid}`,
      model: () => ({ model: scorer.model, modelVersion: scorer.version }),
      fastShift:
        settings.fastShift.enabled && score?.kind === 'numeric'
          ? {
              referenceStd: score.std,
              deltaSigma: settings.fastShift.deltaSigma,
              lambdaSigma: settings.fastShift.lambdaSigma,
            }
          : undefined,
      liveFeed,
    },
    report: () => ({
      profile: drift.profile,
      columns,
      thresholds,
      ksMethod: settings.ksMethod,
      aggregator: new WindowAggregator({
        layout: columns.layout,
        partitions: Array.from({ length: config.topics.partitions }, (_, partition) => ({
          topic: config.topics.events,
          partition,
        })),
        timeoutMs: settings.aggregator.timeoutMs,
      }),
      decisionThreshold: output.kind === 'binary-classifier' ? output.decisionThreshold : undefined,
      liveFeed,
      sliding:
        settings.slideMs !== undefined && settings.slideMs !== settings.windowMs
          ? new SlidingWindows({
              layout: columns.layout,
              windowMs: settings.windowMs,
              slideMs: settings.slideMs,
            })
          : undefined,
    }),
  };
}

export interface DriftParts {
  columns: DriftColumns;
  thresholds: DriftThresholds;
  /** The scoring topology's tap. */
  tap: DriftTap;
  /** The aggregator topology, unless `drift.aggregator.enabled` is false. */
  aggregator: TopologyRuntime<PartialItem> | undefined;
}

export interface DriftPartsOptions extends DriftSettingsOptions {
  transport: Transport;
  registry?: Registry | undefined;
  logger: Logger;
  onFatal?: ((error: unknown) => void) | undefined;
}

/** The drift tap and the aggregator topology of this process, or undefined when drift is off. */
export function buildDriftParts(options: DriftPartsOptions): DriftParts | undefined {
  const settings = driftSettings(options);
  if (!settings) return undefined;
  const { config } = options;
  const aggregator = config.drift.aggregator.enabled
    ? new TopologyRuntime(driftAggregatorTopology({ config, report: settings.report() }), {
        transport: options.transport,
        registry: options.registry,
        logger: options.logger,
        onFatal: options.onFatal,
      })
    : undefined;
  return {
    columns: settings.columns,
    thresholds: settings.thresholds,
    tap: new DriftTap(settings.tap),
    aggregator,
  };
}
