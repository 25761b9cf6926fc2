import type { Logger } from '../../../core/logger.ts';
import { codecs, type DriftReport } from '../../../schemas/index.ts';
import type { LiveFeed } from '../../../sinks/websocket/live-feed-tap.ts';
import type { ProducerClient } from '../../../streams/index.ts';
import type {
  BoundCounter,
  BoundGauge,
  DurableSink,
  PipelineItem,
  SinkContext,
} from '../../../streams/pipeline/index.ts';
import { type DriftAlert, encodeAlert } from '../alerts/drift-alert.ts';
import { DriftAlertHysteresis } from '../alerts/drift-alert-hysteresis.ts';
import { publishLive } from '../alerts/publish-live.ts';
import type { DriftThresholds } from '../drift-thresholds.ts';
import type { DriftProfile } from '../profile/drift-profile.ts';
import { driftReportRecord } from '../report/drift-report-record.ts';
import { windowEstimate, windowReport } from '../report/window-report.ts';
import type { KsMethod } from '../stats/kolmogorov-smirnov.ts';
import type { DriftColumns } from '../tap/drift-columns.ts';
import type { PartialMessage } from '../tap/partial-message.ts';
import type { SlidingWindows } from './sliding-windows.ts';
import type { AggregatedWindow, WindowAggregator } from './window-aggregator.ts';

/** A partial on its way through the aggregator topology. */
export interface PartialItem extends PipelineItem {
  partial: PartialMessage;
}

export interface DriftReportSinkOptions {
  profile: DriftProfile;
  columns: DriftColumns;
  thresholds: DriftThresholds;
  ksMethod: KsMethod;
  aggregator: WindowAggregator;
  driftTopic: string;
  alertsTopic: string;
  /** A binary classifier's decision threshold: reports then carry the label-free performance estimate. */
  decisionThreshold?: number | undefined;
  liveFeed?: LiveFeed | undefined;
  /** How often waiting windows are checked against the timeout. */
  checkEveryMs?: number;
  /** Sliding windows (`drift.slideMs`): each merged pane is reported as the window ending with it. */
  sliding?: SlidingWindows | undefined;
}

/**
 * The aggregator's sink: merges each delivered partial into its window and, whenever windows
 * become complete (or time out), reports them: the Avro drift report on the drift topic, alerts on
 * the alerts topic (raised at the second consecutive drifting window, cleared after two clean
 * ones), both on the live `drift` and `alerts` channels, and the Prometheus gauges. A partial is
 * acked once merged; reports are written in window order, one at a time.
 */
export class DriftReportSink implements DurableSink<PartialItem> {
  readonly name = 'drift-reports';
  readonly #options: DriftReportSinkOptions;
  readonly #datasetAlert = new DriftAlertHysteresis();
  readonly #scoreAlert = new DriftAlertHysteresis();
  #producer: ProducerClient | undefined;
  #logger: Logger | undefined;
  #timer: NodeJS.Timeout | undefined;
  #serial: Promise<void> = Promise.resolve();
  #psi: BoundGauge<'column'> | undefined;
  #ksPValue: BoundGauge<'column'> | undefined;
  #detected: BoundGauge<never> | undefined;
  #share: BoundGauge<never> | undefined;
  #reports: BoundCounter<'partial'> | undefined;
  #rejected: BoundCounter<'reason'> | undefined;
  #alerts: BoundCounter<'kind' | 'state'> | undefined;

  constructor(options: DriftReportSinkOptions) {
    this.#options = options;
  }

  open(context: SinkContext): void {
    this.#producer = context.producer;
    this.#logger = context.logger;
    const m = context.metrics;
    this.#psi = m.settableGauge('sluice_drift_psi', 'PSI of the column in the last reported window', [
      'column',
    ]);
    this.#ksPValue = m.settableGauge(
      'sluice_drift_ks_pvalue',
      'KS p-value (Benjamini-Hochberg adjusted) of the numeric column in the last reported window',
      ['column'],
    );
    this.#detected = m.settableGauge(
      'sluice_drift_detected',
      '1 when the last decided window drifted, else 0',
    );
    this.#share = m.settableGauge(
      'sluice_drift_share',
      'Share of drifting columns (score apart) in the last window',
    );
    this.#reports = m.counter('sluice_drift_reports_total', 'Drift reports written', ['partial']);
    this.#rejected = m.counter('sluice_drift_partials_rejected_total', 'Drift partials not merged', [
      'reason',
    ]);
    this.#alerts = m.counter('sluice_drift_alerts_total', 'Drift alerts raised and cleared', [
      'kind',
      'state',
    ]);
    m.gauge(
      'sluice_drift_pending_windows',
      'Drift windows waiting for partials',
      () => this.#options.aggregator.pendingWindows,
    );
    this.#timer = setInterval(() => {
      this.#serial = this.#serial
        .then(() => this.#reportDue(Date.now()))
        .catch((error: unknown) => {
          this.#logger?.error({ err: error }, 'writing a drift report failed; the next check tries again');
        });
    }, this.#options.checkEveryMs ?? 1000);
    this.#timer.unref();
  }

  async write(items: readonly PartialItem[]): Promise<void> {
    const now = Date.now();
    const { aggregator } = this.#options;
    for (const item of items) {
      const { partial } = item;
      try {
        if (aggregator.add(partial, now) === 'late') {
          this.#rejected?.inc({ reason: 'late' });
          this.#logger?.warn(
            { windowStart: partial.windowStart, replica: partial.replica },
            'a drift partial arrived after its window was reported; left out',
          );
        }
      } catch (error) {
        // The tap that wrote it watches other columns (another bundle): not this aggregator's to merge.
        this.#rejected?.inc({ reason: 'layout' });
        this.#logger?.error(
          { err: error, windowStart: partial.windowStart, replica: partial.replica, model: partial.model },
          "a drift partial does not fit this bundle's columns; left out",
        );
      }
    }
    const run = this.#serial.then(() => this.#reportDue(now));
    this.#serial = run.catch(() => undefined);
    await run;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#serial;
    for (const window of this.#options.aggregator.flush()) await this.#report(this.#windowOf(window));
  }

  async #reportDue(now: number): Promise<void> {
    for (const window of this.#options.aggregator.due(now)) await this.#report(this.#windowOf(window));
  }

  /** The window a merged pane reports: itself when windows tumble, the window ending with it when they slide. */
  #windowOf(pane: AggregatedWindow): AggregatedWindow {
    return this.#options.sliding ? this.#options.sliding.add(pane) : pane;
  }

  async #report(window: AggregatedWindow): Promise<void> {
    const { profile, columns, thresholds, decisionThreshold, ksMethod } = this.#options;
    const json = windowReport(profile, columns, window.state, thresholds, ksMethod);
    const scoreName = columns.numericNames[columns.scoreIndex]!;
    const record = driftReportRecord(json, thresholds, {
      windowStart: window.windowStart,
      windowEnd: window.windowEnd,
      modelVersion: window.modelVersion,
      coverage: window.coverage,
      partial: window.partial,
      score: scoreName,
      estimate:
        decisionThreshold === undefined
          ? undefined
          : windowEstimate(profile, columns, window.state, decisionThreshold),
    });
    const producer = this.#producer!;
    await producer.send(this.#options.driftTopic, [
      { key: window.model, value: codecs.driftReport.encode(record) },
    ]);
    this.#reports?.inc({ partial: String(window.partial) });
    this.#gauges(record);
    const drifting = Object.entries(record.columns)
      .filter(([, c]) => c.drifted)
      .map(([name]) => name);
    this.#logger?.info(
      {
        windowStart: window.windowStart,
        count: record.count,
        decided: record.decided,
        drifted: record.drifted,
        share: record.share_drifted,
        drifting,
        partial: window.partial,
        gaps: window.gaps.length > 0 ? window.gaps : undefined,
        overlaps: window.overlaps.length > 0 ? window.overlaps : undefined,
        replicas: window.replicas,
      },
      'drift report',
    );
    const alerts = this.#alertsOf(window, record, drifting);
    if (alerts.length > 0) {
      await producer.send(
        this.#options.alertsTopic,
        alerts.map((a) => ({ key: a.model, value: encodeAlert(a) })),
      );
      for (const a of alerts) {
        this.#alerts?.inc({ kind: a.kind, state: a.state });
        this.#logger?.warn(a, 'drift alert');
      }
    }
    publishLive(this.#options.liveFeed, 'drift', [record]);
    if (alerts.length > 0) publishLive(this.#options.liveFeed, 'alerts', alerts);
  }

  #alertsOf(window: AggregatedWindow, record: DriftReport, drifting: string[]): DriftAlert[] {
    const decided = record.decided ? record.drifted : undefined;
    const score = record.decided && record.score ? record.score.drifted : undefined;
    const base = {
      model: window.model,
      modelVersion: window.modelVersion,
      windowStart: window.windowStart,
      windowEnd: window.windowEnd,
      atMs: Date.now(),
    };
    const alerts: DriftAlert[] = [];
    const transition = (
      kind: 'drift' | 'score-drift',
      state: 'raised' | 'cleared' | undefined,
      column: string,
      raised: string,
      cleared: string,
    ) => {
      if (state) alerts.push({ ...base, kind, state, column, detail: state === 'raised' ? raised : cleared });
    };
    transition(
      'drift',
      this.#datasetAlert.onWindow(decided),
      drifting.join(','),
      `two consecutive windows drifted (share ${record.share_drifted.toFixed(2)})`,
      'two consecutive windows were clean',
    );
    transition(
      'score-drift',
      this.#scoreAlert.onWindow(score),
      'score',
      "the score's distribution drifted in two consecutive windows",
      "the score's distribution was clean in two consecutive windows",
    );
    return alerts;
  }

  #gauges(record: DriftReport): void {
    const all = record.score ? { ...record.columns, score: record.score } : record.columns;
    for (const [column, c] of Object.entries(all)) {
      const psi = c.metrics.psi;
      if (psi !== undefined) this.#psi?.set({ column }, psi);
      const p = c.metrics.ks_pvalue_adjusted;
      if (p !== undefined) this.#ksPValue?.set({ column }, p);
    }
    this.#share?.set({}, record.share_drifted);
    if (record.decided) this.#detected?.set({}, record.drifted ? 1 : 0);
  }
}
