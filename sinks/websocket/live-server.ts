/**
 * The live port: one uWebSockets.js app serving the WebSocket feed at `/ws`, the dashboard at
 * `/`, and whatever GET routes the app registers (`/healthz`, `/readyz`, `/metrics`).
 * Subscribers are best-effort consumers: the pipeline publishes and moves on, and nothing a
 * subscriber does (reading slowly, sending garbage) can block it or make it throw.
 */

import uws from 'uWebSockets.js';
import { randomBytes } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { Logger } from '../../core/index.ts';
import { errorMessage } from '../../core/index.ts';
import { checkExposure, writeRefusal } from './auth/exposure.ts';
import type { Grant } from './auth/token-verifier.ts';
import { UpgradeGate } from './auth/upgrade-gate.ts';
import { ChannelHub } from './channel-hub.ts';
import {
  type ClientErrorCode,
  type ClientMessage,
  encodeReply,
  type ProtocolLimits,
  parseClientMessage,
} from './client-protocol.ts';
import { CLOSE_GOING_AWAY, CLOSE_POLICY_VIOLATION, CLOSE_TOKEN_EXPIRED } from './close-codes.ts';
import { registerDashboard } from './dashboard-routes.ts';
import { type HttpHandler, HttpRoutes, jsonReply } from './http-routes.ts';
import type { ChannelStats, Subscriber } from './hub-types.ts';
import { listenWithRetry } from './listen-with-retry.ts';
import {
  type LiveServerConfig,
  type LiveServerConfigInput,
  parseLiveServerConfig,
} from './live-server-config.ts';
import { SubscribeRate } from './subscribe-rate.ts';
import { registerLiveMetrics } from './ws-metrics.ts';

/** Options of `LiveServer.start`: the config section plus the process's logger and metrics registry. */
export interface LiveServerOptions extends LiveServerConfigInput {
  logger: Logger;
  /** Registry to create the `sluice_ws_*` metrics on; one LiveServer per registry. */
  metrics?: Registry;
}

/** A snapshot of the server's counters, for tests, logs and the status channel. */
export interface LiveServerStats {
  connections: number;
  channels: ChannelStats[];
  clientErrors: Record<string, number>;
  /** Subscribers closed with 4008 for reading too slowly. */
  evictions: number;
}

/** What the server keeps per connection besides the hub's view of it. */
interface Connection extends Subscriber {
  readonly grant: Grant;
  badFrames: number;
  readonly rate: SubscribeRate;
  expiry: NodeJS.Timeout | undefined;
}

const WS_PATH = '/ws';
const REPLY_HEADROOM_BYTES = 256 * 1024;

/** uWS ≥ 20.30 has `App.close()` (closes every socket); the typings lag behind. */
interface ClosableApp extends uws.TemplatedApp {
  close?: () => void;
}

/** The WebSocket feed + HTTP port; started by the app's wiring, published to by the pipeline, closed on shutdown. */
export class LiveServer {
  readonly #config: LiveServerConfig;
  readonly #logger: Logger;
  readonly #app: ClosableApp;
  readonly #hub: ChannelHub;
  readonly #routes: HttpRoutes;
  readonly #limits: ProtocolLimits;
  readonly #hello: string;
  readonly #connections = new Set<Connection>();
  readonly #clientErrors = new Map<
    ClientErrorCode | 'too_many_subscribers' | 'unauthorized' | 'forbidden_origin',
    number
  >();
  readonly #gate: UpgradeGate;
  /** New at every start: a client resuming from another epoch's seq gets `reset`. */
  readonly epoch = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  #listenSocket: uws.us_listen_socket | null = null;
  #port = 0;
  #nextId = 1;
  #closed = false;

  /** Validates options, binds the port and resolves once listening. Throws ConfigError when the port cannot be bound. */
  static async start(options: LiveServerOptions): Promise<LiveServer> {
    const { logger, metrics, ...input } = options;
    const server = new LiveServer(parseLiveServerConfig(input), logger);
    try {
      if (metrics) server.#registerMetrics(metrics);
    } catch (error) {
      // e.g. a second LiveServer on the same registry: prom-client refuses duplicate names.
      server.#app.close?.();
      throw error;
    }
    await server.#listen();
    return server;
  }

  private constructor(config: LiveServerConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
    this.#gate = new UpgradeGate(config.auth, config.allowedOrigins);
    this.#hub = new ChannelHub({
      channels: config.channels,
      maxBackpressureBytes: config.maxBackpressureBytes,
      totalBackpressureBytes: config.totalBackpressureBytes,
      slowSubscriberCloseMs: config.slowSubscriberCloseMs,
      slowPolicy: config.slowPolicy,
      maxFanOutShare: config.maxFanOutShare,
      flushIntervalMs: config.flushIntervalMs,
      resumeMessages: config.resumeMessages,
      resumeBytes: config.resumeBytes,
      epoch: this.epoch,
      logger,
    });
    this.#limits = {
      maxMessageBytes: config.maxMessageBytes,
      channels: config.channels,
      filterableChannels: new Set(config.filterableChannels),
    };
    this.#hello = encodeReply({
      op: 'hello',
      epoch: this.epoch,
      channels: [...config.channels],
      filterable: [...config.filterableChannels],
      maxMessageBytes: config.maxMessageBytes,
    });
    this.#routes = new HttpRoutes(logger, WS_PATH);
    this.#app = uws.App();
    this.#app.ws<Connection>(WS_PATH, {
      // Frames between maxMessageBytes and this get a `too_large` reply; beyond it uWS drops the connection.
      maxPayloadLength: Math.max(4 * config.maxMessageBytes, 64 * 1024),
      // The hub enforces each subscriber's share of the budget for data; uWS's limit sits above it
      // so replies (pong, errors) and the slow-consumer close frame still get queued to a lagging client.
      maxBackpressure: config.maxBackpressureBytes + REPLY_HEADROOM_BYTES,
      closeOnBackpressureLimit: 0,
      idleTimeout: config.idleTimeoutSeconds,
      sendPingsAutomatically: true,
      compression: uws.DISABLED,
      upgrade: (res, req, context) => this.#upgrade(res, req, context),
      open: (ws) => this.#open(ws),
      message: (ws, frame, isBinary) => this.#message(ws.getUserData(), frame, isBinary),
      drain: (ws) => this.#hub.drain(ws.getUserData()),
      close: (ws, code) => this.#onClose(ws.getUserData(), code),
    });
    this.#app.any('/*', (res, req) => this.#routes.serve(res, req));
    if (config.dashboard) registerDashboard(this.#routes, logger);
  }

  /** The bound port (the ephemeral one when started with port 0). */
  get port(): number {
    return this.#port;
  }

  /**
   * Registers a GET (and HEAD) route on the live port. With `requireToken`, and auth configured,
   * a request without a valid bearer token gets 401. Throws on a duplicate path: a wiring bug.
   */
  get(path: string, handler: HttpHandler, options: { requireToken?: boolean } = {}): this {
    if (!options.requireToken || !this.#gate.authRequired) {
      this.#routes.add(path, handler);
      return this;
    }
    this.#routes.add(path, async (request) => {
      const decision = await this.#gate.checkToken(request.authorization, request.query);
      if (!decision.ok) return jsonReply(401, { error: decision.error, message: decision.message });
      return handler(request);
    });
    return this;
  }

  /** Whether `websocket.auth.metrics` puts `/metrics` behind a token. */
  get metricsNeedToken(): boolean {
    return this.#config.auth.metrics;
  }

  /** Publishes one record on `channel`. Never blocks; throws only if `channel` is not configured. */
  publish(channel: string, data: unknown): void {
    this.#hub.publish(channel, data);
  }

  /** Publishes records in order with consecutive seqs. Near-free when the channel has no subscribers. */
  publishBatch(channel: string, items: readonly unknown[]): void {
    this.#hub.publishBatch(channel, items);
  }

  /** Whether anyone listens on `channel`: lets a caller skip building records nobody will see. */
  hasSubscribers(channel: string): boolean {
    return this.#hub.hasSubscribers(channel);
  }

  stats(): LiveServerStats {
    return {
      connections: this.#connections.size,
      channels: this.#hub.stats(),
      clientErrors: Object.fromEntries(this.#clientErrors),
      evictions: this.#hub.evictions,
    };
  }

  /** Closes every connection (subscribers get 1001) and frees the port. Idempotent; publish stays safe afterwards. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.close();
    if (this.#listenSocket) uws.us_listen_socket_close(this.#listenSocket);
    this.#listenSocket = null;
    // end() runs the close handler synchronously, which removes the subscriber from the set.
    for (const sub of [...this.#connections]) sub.socket.end(CLOSE_GOING_AWAY, 'server shutting down');
    // Idle keep-alive HTTP sockets would otherwise hold the event loop open until they time out.
    this.#app.close?.();
    this.#logger.info({ port: this.#port }, 'live server closed');
  }

  async #listen(): Promise<void> {
    checkExposure(this.#config, this.#logger);
    const bound = await listenWithRetry(this.#app, this.#config, this.#logger);
    this.#listenSocket = bound.socket;
    this.#port = bound.port;
    this.#logger.info({ host: this.#config.host, port: this.#port, ws: WS_PATH }, 'live server listening');
  }

  #upgrade(res: uws.HttpResponse, req: uws.HttpRequest, context: uws.us_socket_context_t): void {
    if (this.#closed || this.#connections.size >= this.#config.maxSubscribers) {
      this.#countError('too_many_subscribers');
      writeRefusal(res, 503, 'too_many_subscribers', `limit is ${this.#config.maxSubscribers}`);
      return;
    }
    // The request dies with this callback: copy what the gate and the upgrade need first.
    const request = {
      origin: req.getHeader('origin'),
      host: req.getHeader('host'),
      authorization: req.getHeader('authorization'),
      query: req.getQuery() ?? '',
    };
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    this.#gate.admit(request).then(
      (decision) => {
        if (aborted) return;
        res.cork(() => {
          if (!decision.ok) {
            this.#countError(decision.error);
            this.#logger.info(
              { origin: request.origin || undefined, status: decision.status, reason: decision.message },
              'live upgrade refused',
            );
            writeRefusal(res, decision.status, decision.error, decision.message);
            return;
          }
          // uWS copies these fields onto the WebSocket object itself, which then is our Connection.
          const fields: Omit<Connection, 'socket'> = {
            id: this.#nextId++,
            closed: false,
            droppingSince: 0,
            channels: new Map(),
            grant: decision.grant,
            badFrames: 0,
            rate: new SubscribeRate(this.#config.subscribesPerSecond),
            expiry: undefined,
          };
          res.upgrade(fields, key, protocol, extensions, context);
        });
      },
      (error: unknown) => {
        this.#logger.error({ err: error }, 'live upgrade check failed');
        if (!aborted)
          res.cork(() => writeRefusal(res, 401, 'unauthorized', 'the token could not be checked'));
      },
    );
  }

  #open(ws: uws.WebSocket<Connection>): void {
    const sub = ws.getUserData();
    // The ws object is the userData object in uWS.js 20.x; keeping an explicit field keeps the hub independent of that.
    (sub as { socket: Subscriber['socket'] }).socket = ws;
    this.#connections.add(sub);
    ws.send(this.#hello, false);
    const expiresAt = sub.grant.expiresAtMs;
    if (expiresAt !== null) {
      sub.expiry = setTimeout(
        () => {
          if (!sub.closed) sub.socket.end(CLOSE_TOKEN_EXPIRED, 'token expired');
        },
        Math.max(0, expiresAt - Date.now()),
      );
      sub.expiry.unref();
    }
    this.#logger.debug(
      { subscriber: sub.id, who: sub.grant.subject, connections: this.#connections.size },
      'live subscriber connected',
    );
  }

  #message(sub: Connection, frame: ArrayBuffer, isBinary: boolean): void {
    try {
      const parsed = parseClientMessage(frame, isBinary, this.#limits);
      if (parsed.ok) this.#handle(sub, parsed.message);
      else this.#reject(sub, parsed.error, parsed.message);
    } catch (error) {
      // Nothing above should throw; if it does, the subscriber loses the reply, not the process.
      this.#logger.error(
        { err: error, subscriber: sub.id },
        `live client message failed: ${errorMessage(error)}`,
      );
    }
  }

  #handle(sub: Connection, message: ClientMessage): void {
    switch (message.op) {
      case 'ping':
        sub.socket.send(
          encodeReply(message.id === null ? { op: 'pong' } : { op: 'pong', id: message.id }),
          false,
        );
        return;
      case 'subscribe': {
        const { channel } = message;
        if (!sub.rate.take(Date.now())) {
          this.#reject(
            sub,
            'rate_limited',
            `at most ${this.#config.subscribesPerSecond} subscribes a second`,
          );
          return;
        }
        if (sub.grant.channels !== null && !sub.grant.channels.has(channel)) {
          this.#reject(sub, 'forbidden_channel', `your token does not grant channel ${channel}`);
          return;
        }
        const max = this.#config.maxSubscriptionsPerConnection;
        if (!sub.channels.has(channel) && sub.channels.size >= max) {
          this.#reject(sub, 'too_many_subscriptions', `at most ${max} channels per connection`);
          return;
        }
        if (!this.#hub.subscribe(sub, channel, message.filter, message.resume, message.batch))
          this.#reject(
            sub,
            'bad_resume',
            `"fromSeq" ${message.resume?.fromSeq} is ahead of channel ${channel} (at seq ${this.#hub.seqOf(channel)})`,
          );
        return;
      }
      case 'unsubscribe':
        this.#hub.unsubscribe(sub, message.channel);
        sub.socket.send(encodeReply({ op: 'unsubscribed', channel: message.channel }), false);
        return;
    }
  }

  #reject(sub: Connection, error: ClientErrorCode, message: string): void {
    this.#countError(error);
    this.#logger.debug({ subscriber: sub.id, error, message }, 'live client message refused');
    if (sub.closed) return;
    sub.socket.send(encodeReply({ op: 'error', error, message }), false);
    if (++sub.badFrames > this.#config.maxBadFrames)
      sub.socket.end(CLOSE_POLICY_VIOLATION, `more than ${this.#config.maxBadFrames} bad messages`);
  }

  #onClose(sub: Connection, code: number): void {
    clearTimeout(sub.expiry);
    this.#hub.remove(sub);
    this.#connections.delete(sub);
    this.#logger.debug(
      { subscriber: sub.id, code, connections: this.#connections.size },
      'live subscriber left',
    );
  }

  #countError(code: ClientErrorCode | 'too_many_subscribers' | 'unauthorized' | 'forbidden_origin'): void {
    this.#clientErrors.set(code, (this.#clientErrors.get(code) ?? 0) + 1);
  }

  #registerMetrics(registry: Registry): void {
    registerLiveMetrics(registry, {
      channelStats: () => this.#hub.stats(),
      clientErrorCounts: () => this.#clientErrors,
      connections: () => this.#connections.size,
      evictions: () => this.#hub.evictions,
      unsentBytes: () => {
        let bytes = 0;
        for (const c of this.#connections) if (!c.closed) bytes += c.socket.getBufferedAmount();
        return bytes;
      },
    });
  }
}
