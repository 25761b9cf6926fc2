/**
 * Prometheus view of the live feed. The hot path keeps plain integer counters (a prom-client
 * `inc` with labels per message would cost more than the send); they are copied into the
 * registry only when it is scraped, via `collect`.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ChannelStats } from './hub-types.ts';

/** Where the metrics read their numbers at scrape time; the live server implements it. */
export interface LiveMetricsSource {
  channelStats(): readonly ChannelStats[];
  clientErrorCounts(): ReadonlyMap<string, number>;
  connections(): number;
  /** Subscribers closed (4008) for reading too slowly. */
  evictions(): number;
  /** Unsent bytes of every subscriber together (uWS's buffered amounts). */
  unsentBytes(): number;
}

/**
 * Registers the live-feed metrics on `registry`. Call once per registry: prom-client refuses a
 * second metric with the same name.
 */
export function registerLiveMetrics(registry: Registry, source: LiveMetricsSource): void {
  const sent = deltaReporter('channel');
  const dropped = deltaReporter('channel');
  const clientErrors = deltaReporter('code');

  new Gauge({
    name: 'sluice_ws_subscribers',
    help: 'WebSocket subscribers per live channel.',
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      for (const s of source.channelStats()) this.set({ channel: s.channel }, s.subscribers);
    },
  });
  new Gauge({
    name: 'sluice_ws_connections',
    help: 'Open WebSocket connections on the live port, subscribed or not.',
    registers: [registry],
    collect() {
      this.set(source.connections());
    },
  });
  new Counter({
    name: 'sluice_ws_messages_sent_total',
    help: 'Live-feed messages written to subscriber sockets, summed over subscribers.',
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      for (const s of source.channelStats()) sent(this, s.channel, s.sent);
    },
  });
  new Counter({
    name: 'sluice_ws_messages_dropped_total',
    help: 'Live-feed messages not sent to a subscriber because it was over its backpressure limit.',
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      for (const s of source.channelStats()) dropped(this, s.channel, s.dropped);
    },
  });
  let evicted = 0;
  new Counter({
    name: 'sluice_ws_evictions_total',
    help: 'Subscribers closed with 4008 for staying over their send budget (slow consumers).',
    registers: [registry],
    collect() {
      const total = source.evictions();
      this.inc(Math.max(0, total - evicted));
      evicted = total;
    },
  });
  new Gauge({
    name: 'sluice_ws_unsent_bytes',
    help: 'Bytes queued to WebSocket subscribers and not yet sent, all subscribers together.',
    registers: [registry],
    collect() {
      this.set(source.unsentBytes());
    },
  });
  new Gauge({
    name: 'sluice_ws_resume_buffer_bytes',
    help: 'Bytes of recent messages held per channel for clients that resume (estimated for those never sent).',
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      for (const s of source.channelStats()) this.set({ channel: s.channel }, s.bufferedBytes);
    },
  });
  new Counter({
    name: 'sluice_ws_client_errors_total',
    help: 'Client messages refused with an error reply, by error code.',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      for (const [code, count] of source.clientErrorCounts()) clientErrors(this, code, count);
    },
  });
}

/**
 * Counters only go up by a delta: this reports what changed since the last scrape. inc(0) still
 * creates the series, so dashboards see every channel from the first scrape.
 */
function deltaReporter(label: string): (counter: Counter<string>, value: string, total: number) => void {
  const reported = new Map<string, number>();
  return (counter, value, total) => {
    const delta = total - (reported.get(value) ?? 0);
    reported.set(value, total);
    counter.inc({ [label]: value }, Math.max(0, delta));
  };
}
