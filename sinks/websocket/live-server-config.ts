/**
 * Config of the live server: the single source of its defaults and limits. In the app's config
 * its `port` and `host` are the top-level keys `port` and `host` (SLUICE_PORT), and the rest is the
 * `websocket` section (`websocket.maxSubscribers`, ...); `LiveServer.start` parses its options with it.
 */
import { z } from 'zod';
import { ConfigError } from '../../core/index.ts';
import { liveAuthConfigSchema } from './auth/live-auth-config.ts';

/** Every channel the server knows by default; the pipeline publishes on these names. */
export const LIVE_CHANNELS = ['predictions', 'deadletters', 'drift', 'alerts', 'stats'] as const;

/** Channels whose records carry `key` and `score`, so a subscriber filter applies to them. */
export const FILTERABLE_CHANNELS = ['predictions'] as const;

const MiB = 1024 * 1024;

/** Schema of the live server's settings: top-level `port`/`host` plus the `websocket` section of the app config. */
export const liveServerConfigSchema = z.object({
  /** 0 picks an ephemeral port; read it back from `LiveServer.port`. */
  port: z.number().int().min(0).max(65_535).default(8080),
  /** Loopback unless auth is configured (or `allowAnonymous`): see `checkExposure`. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Bind an address other than loopback with no auth configured (anyone who reaches the port reads every channel). */
  allowAnonymous: z.boolean().default(false),
  auth: liveAuthConfigSchema,
  /**
   * Browser origins allowed to open `/ws` besides the page's own (an upgrade whose Origin names
   * another host gets 403); `*` allows any. Clients that send no Origin (not browsers) are not affected.
   */
  allowedOrigins: z.array(z.string().min(1)).default([]),
  /** Per subscriber: bytes queued in user space before messages to it are lost (see slowPolicy). */
  maxBackpressureBytes: z
    .number()
    .int()
    .min(16 * 1024)
    .default(MiB),
  /**
   * All subscribers together: each gets an equal share of this (at most maxBackpressureBytes,
   * at least 16 KiB), so the unsent bytes of every client stay near it however many connect.
   */
  totalBackpressureBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .default(32 * MiB),
  /**
   * The share of the process's main thread that sending to subscribers may always take, per
   * 100 ms. It may take more when the pipeline leaves the thread idle: what the last 100 ms left
   * idle, less 20% headroom. Past that, live messages wait in the resume buffers and subscribers
   * catch up as the share allows (a `gap` if the buffer rolls over first). A pipeline draining a
   * backlog therefore loses at most this share of its thread to the feeds.
   */
  maxFanOutShare: z.number().gt(0).max(1).default(0.1),
  /**
   * Published messages wait up to this long and go out together: each subscriber costs one write
   * (a system call) per flush, not one per pipeline batch. 0 sends each batch as it is published.
   * `auto` (default) adapts: a batch goes out at once unless the previous fan-out took d ms and
   * less than d has passed since it ended; then it waits for the rest of that, with whatever else
   * is published meanwhile. A few subscribers get every batch at once; a thousand get them every
   * ~15 ms here, at half the writes.
   */
  flushIntervalMs: z.union([z.literal('auto'), z.number().int().min(0).max(1000)]).default('auto'),
  /** What a client over its share loses: the newest messages, or (`thin`) all but one in ten once past half of it. */
  slowPolicy: z.enum(['drop-newest', 'thin']).default('drop-newest'),
  /** Per channel: recent messages held for clients that resume with fromSeq, bounded in count and bytes. */
  resumeMessages: z.number().int().min(0).max(1_000_000).default(10_000),
  resumeBytes: z
    .number()
    .int()
    .min(0)
    .default(8 * MiB),
  /** Open WebSocket connections at once; the next upgrade gets HTTP 503. */
  maxSubscribers: z.number().int().min(1).default(1000),
  /** Channels one connection may subscribe to at once; past it, `too_many_subscriptions`. */
  maxSubscriptionsPerConnection: z.number().int().min(1).default(16),
  /** Subscribes per second per connection (burst of the same); past it, `rate_limited`. */
  subscribesPerSecond: z.number().int().min(1).default(20),
  /** Bad frames a connection may send; the next one closes it with 1008. */
  maxBadFrames: z.number().int().min(1).default(20),
  /** Largest client message answered with a reply; larger ones get a `too_large` error. */
  maxMessageBytes: z
    .number()
    .int()
    .min(256)
    .max(MiB)
    .default(16 * 1024),
  /** A subscriber dropping messages for this long without one full delivery is closed (4008); 0 never. */
  slowSubscriberCloseMs: z.number().int().min(0).default(15_000),
  /** uWS closes a connection silent for this long; the server pings so live clients never are. uWS aborts the process on 1–7. */
  idleTimeoutSeconds: z
    .number()
    .int()
    .refine((s) => s === 0 || (s >= 8 && s <= 960), 'must be 0 (off) or 8 to 960 seconds')
    .default(120),
  channels: z
    .array(z.string().min(1))
    .min(1)
    .default([...LIVE_CHANNELS]),
  filterableChannels: z.array(z.string().min(1)).default([...FILTERABLE_CHANNELS]),
  /**
   * How long start() keeps retrying a busy port. This uWS build binds without SO_REUSEADDR, so
   * connections the previous process closed keep the port in TIME_WAIT for up to 60 s after a
   * restart in place; retrying beats crash-looping. A port held by a live process fails after it.
   */
  listenRetryMs: z.number().int().min(0).default(65_000),
  /** Serve the dashboard page at `/`. */
  dashboard: z.boolean().default(true),
});

/** Settings as written by a user or the app (defaults optional). */
export type LiveServerConfigInput = z.input<typeof liveServerConfigSchema>;

/** Settings with every default applied. */
export type LiveServerConfig = z.output<typeof liveServerConfigSchema>;

/** Keys that sit at the top level of the app config rather than under `websocket`. */
const TOP_LEVEL_KEYS = new Set(['port', 'host']);

/** The app config key of a setting: `port` and `host` are top-level, the rest `websocket.<name>`. */
function configKey(path: readonly PropertyKey[]): string {
  const [first] = path;
  if (typeof first === 'string' && TOP_LEVEL_KEYS.has(first)) return path.map(String).join('.');
  return ['websocket', ...path.map(String)].join('.');
}

/**
 * Parses settings; a bad value is a ConfigError naming the app config key to fix, e.g.
 * `websocket.maxSubscribers` or `port`. The app validates the same rules when it loads its config,
 * so there this only catches callers that build options themselves.
 */
export function parseLiveServerConfig(input: LiveServerConfigInput): LiveServerConfig {
  const result = liveServerConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = configKey(issue.path);
    throw new ConfigError('SLUICE_CONFIG_INVALID', `${key}: ${issue.message}`, { subject: key });
  }
  const config = result.data;
  const unknown = unlistedFilterableChannels(config);
  if (unknown.length > 0) {
    const key = configKey(['filterableChannels']);
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `${key}: ${unknown.map((c) => JSON.stringify(c)).join(', ')} is not in ${configKey(['channels'])}`,
      { subject: key },
    );
  }
  return config;
}

/** The `filterableChannels` that `channels` lacks (each must be a configured channel). */
export function unlistedFilterableChannels(
  config: Pick<LiveServerConfig, 'channels' | 'filterableChannels'>,
): string[] {
  return config.filterableChannels.filter((channel) => !config.channels.includes(channel));
}
