/**
 * Config of the live server: the single source of its defaults and limits. In the app's config
 * its `port` and `host` are the top-level keys `port` and `host` (SLUICE_PORT), and the rest is the
 * `websocket` section (`websocket.maxSubscribers`, ...); `LiveServer.start` parses its options with it.
 */
import { z } from 'zod';
import { ConfigError } from '../../core/index.ts';

/** Every channel the server knows by default; the pipeline publishes on these names. */
export const LIVE_CHANNELS = ['predictions', 'deadletters', 'drift', 'alerts', 'status'] as const;

/** Channels whose records carry `key` and `score`, so a subscriber filter applies to them. */
export const FILTERABLE_CHANNELS = ['predictions'] as const;

const MiB = 1024 * 1024;

/** Schema of the live server's settings: top-level `port`/`host` plus the `websocket` section of the app config. */
export const liveServerConfigSchema = z.object({
  /** 0 picks an ephemeral port; read it back from `LiveServer.port`. */
  port: z.number().int().min(0).max(65_535).default(8080),
  host: z.string().min(1).default('0.0.0.0'),
  /** Per subscriber: bytes queued in user space before messages to it are dropped. */
  maxBackpressureBytes: z
    .number()
    .int()
    .min(16 * 1024)
    .default(MiB),
  /** Open WebSocket connections at once; the next upgrade gets HTTP 503. */
  maxSubscribers: z.number().int().min(1).default(1000),
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
