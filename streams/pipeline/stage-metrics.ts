import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** A counter child bound to one topology; the other labels are given per call. */
export interface BoundCounter<L extends string> {
  inc(labels?: Partial<Record<L, string>>, value?: number): void;
}

/** A histogram child bound to one topology. */
export interface BoundHistogram<L extends string> {
  observe(labels: Partial<Record<L, string>>, value: number): void;
}

/** A gauge child bound to one topology. */
export interface BoundGauge<L extends string> {
  set(labels: Partial<Record<L, string>>, value: number): void;
}

/** What a custom Prometheus collector gets per topology (the end-to-end latency histogram). */
export interface CollectedValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

interface Shared {
  readonly metrics: Map<string, Counter<string> | Histogram<string> | Gauge<string>>;
  readonly probes: Map<string, Map<string, () => number>>;
  readonly collectors: Map<string, Map<string, () => CollectedValue[]>>;
}

// One set of series per registry, whatever the number of topologies on it: prom-client refuses a
// name registered twice, so the second topology reuses the first's series under its own label.
const shared = new WeakMap<Registry, Shared>();

function sharedOf(registry: Registry): Shared {
  let s = shared.get(registry);
  if (!s) {
    s = { metrics: new Map(), probes: new Map(), collectors: new Map() };
    shared.set(registry, s);
  }
  return s;
}

/**
 * The series' children of one topology, cached per label values: prom-client hashes the labels on
 * every labelled call, and some of these are counted per batch or per item on the hot path.
 */
function childrenOf<C, L extends string>(
  metric: { labels(labels: Record<string, string>): C },
  topology: string,
  labelNames: readonly L[],
): (labels: Partial<Record<L, string>> | undefined) => C {
  if (labelNames.length === 0) {
    const only = metric.labels({ topology });
    return () => only;
  }
  const cache = new Map<string, C>();
  return (labels = {}) => {
    let key = '';
    for (const name of labelNames) key += `${labels[name] ?? ''}\u0000`;
    let child = cache.get(key);
    if (child === undefined) {
      const all: Record<string, string> = { topology };
      for (const name of labelNames) all[name] = labels[name] ?? '';
      child = metric.labels(all);
      cache.set(key, child);
    }
    return child;
  };
}

const NOOP_COUNTER: BoundCounter<string> = { inc() {} };
const NOOP_HISTOGRAM: BoundHistogram<string> = { observe() {} };
const NOOP_GAUGE: BoundGauge<string> = { set() {} };

/**
 * Metrics of one topology: series shared by every topology on the registry, each child labelled
 * `topology`. The engine makes its own series here, and so do stages, for theirs (features
 * defaulted, invalid trace context). Without a registry every series is a no-op.
 */
export class StageMetrics {
  readonly #registry: Registry | undefined;
  readonly #topology: string;

  constructor(registry: Registry | undefined, topology: string) {
    this.#registry = registry;
    this.#topology = topology;
  }

  get topology(): string {
    return this.#topology;
  }

  counter<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
  ): BoundCounter<L> {
    if (!this.#registry) return NOOP_COUNTER;
    const metric = this.#series(
      name,
      (registry) =>
        new Counter({ name, help, labelNames: ['topology', ...labelNames], registers: [registry] }),
    );
    const children = childrenOf(metric, this.#topology, labelNames);
    return { inc: (labels, value = 1) => children(labels).inc(value) };
  }

  histogram<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: number[],
  ): BoundHistogram<L> {
    if (!this.#registry) return NOOP_HISTOGRAM;
    const metric = this.#series(
      name,
      (registry) =>
        new Histogram({
          name,
          help,
          labelNames: ['topology', ...labelNames],
          buckets,
          registers: [registry],
        }),
    );
    const children = childrenOf(metric, this.#topology, labelNames);
    return { observe: (labels, value) => children(labels).observe(value) };
  }

  /** The registry's series of this name, made by `create` for the first topology that asks. */
  #series<M extends Counter<string> | Histogram<string>>(name: string, create: (registry: Registry) => M): M {
    const s = sharedOf(this.#registry!);
    let metric = s.metrics.get(name) as M | undefined;
    if (!metric) {
      metric = create(this.#registry!);
      s.metrics.set(name, metric);
    }
    return metric;
  }

  /** A gauge this topology sets (per label values), for values known when something happens rather than when scraped. */
  settableGauge<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
  ): BoundGauge<L> {
    if (!this.#registry) return NOOP_GAUGE;
    const s = sharedOf(this.#registry);
    let metric = s.metrics.get(name) as Gauge<string> | undefined;
    if (!metric) {
      metric = new Gauge({
        name,
        help,
        labelNames: ['topology', ...labelNames],
        registers: [this.#registry],
      });
      s.metrics.set(name, metric);
    }
    const children = childrenOf(metric, this.#topology, labelNames);
    return { set: (labels, value) => children(labels).set(value) };
  }

  /** A gauge read when scraped: `probe` answers for this topology. */
  gauge(name: string, help: string, probe: () => number): void {
    if (!this.#registry) return;
    const s = sharedOf(this.#registry);
    let probes = s.probes.get(name);
    if (!probes) {
      const byTopology = new Map<string, () => number>();
      probes = byTopology;
      s.probes.set(name, byTopology);
      const gauge = new Gauge({
        name,
        help,
        labelNames: ['topology'],
        registers: [this.#registry],
        collect() {
          for (const [topology, read] of byTopology) this.set({ topology }, read());
        },
      });
      s.metrics.set(name, gauge);
    }
    probes.set(this.#topology, probe);
  }

  /**
   * A custom collector (histogram type) whose values this topology supplies; used for series kept
   * outside prom-client, such as the end-to-end latency histogram recorded once per poll.
   */
  collector(name: string, help: string, collect: () => CollectedValue[]): void {
    if (!this.#registry) return;
    const s = sharedOf(this.#registry);
    let collectors = s.collectors.get(name);
    if (!collectors) {
      const byTopology = new Map<string, () => CollectedValue[]>();
      collectors = byTopology;
      s.collectors.set(name, byTopology);
      this.#registry.registerMetric({
        name,
        help,
        type: 'histogram',
        aggregator: 'sum',
        get() {
          const values: CollectedValue[] = [];
          for (const [topology, read] of byTopology)
            for (const v of read()) values.push({ ...v, labels: { ...v.labels, topology } });
          return { name, help, type: 'histogram', values, aggregator: 'sum' };
        },
        reset() {},
      } as never);
    }
    collectors.set(this.#topology, collect);
  }
}
