/**
 * Test support for the live server's tests: a `ws` client that records what it receives, and
 * fake predictions. Not imported by production code.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import { silentLogger } from '../../core/index.ts';
import type { Prediction } from '../../schemas/records.ts';
import { LiveServer, type LiveServerOptions } from '../../sinks/websocket/index.ts';

/** Anything the server sends, loosely typed so tests can assert on any field. */
export interface Received {
  op?: string;
  channel?: string;
  seq?: number;
  data?: Prediction;
  error?: string;
  message?: string;
  [field: string]: unknown;
}

/** Starts a server on an ephemeral loopback port with a silent logger. */
export function startTestServer(options: Partial<LiveServerOptions> = {}): Promise<LiveServer> {
  return LiveServer.start({ port: 0, host: '127.0.0.1', logger: silentLogger, ...options });
}

/**
 * A test file's live server and the clients its tests open, all closed after each test. Call it
 * at describe level; `start` in the test (again after a restart), then `connect`.
 */
export function liveFixture() {
  let current: LiveServer | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await current?.close();
    current = undefined;
  });
  return {
    async start(options: Partial<LiveServerOptions> = {}): Promise<LiveServer> {
      current = await startTestServer(options);
      return current;
    },
    get server(): LiveServer {
      if (!current) throw new Error('start the server first');
      return current;
    },
    async connect(options: ConnectOptions = {}): Promise<TestClient> {
      if (!current) throw new Error('start the server first');
      const client = await TestClient.connect(current.port, options);
      clients.push(client);
      return client;
    },
  };
}

/** Polls `condition` until it holds; fails the test with `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(2);
  }
}

/** How a test client connects: recording every message or replies only, extra headers, a query string. */
export interface ConnectOptions {
  record?: boolean;
  headers?: Record<string, string>;
  query?: string;
}

/** An upgrade the server answered with an HTTP status instead of 101. */
export class UpgradeRefused extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`upgrade refused with HTTP ${status}`);
    this.status = status;
  }
}

/** A WebSocket client that keeps every message it receives, in order. */
export class TestClient {
  readonly ws: WebSocket;
  /** Every message, unless connected with `record: false` (then replies only). */
  readonly received: Received[] = [];
  /** seq of every published message, per channel, in arrival order. */
  readonly seqs = new Map<string, number[]>();
  /** How many of the frames received were arrays (batch frames), and how many messages they held. */
  batchFrames = 0;
  batchedMessages = 0;
  closeCode: number | null = null;
  closeReason = '';

  private constructor(ws: WebSocket, record: boolean) {
    this.ws = ws;
    ws.on('message', (data) => {
      const parsed = JSON.parse(String(data)) as Received | Received[];
      if (Array.isArray(parsed)) {
        this.batchFrames++;
        this.batchedMessages += parsed.length;
      }
      for (const message of Array.isArray(parsed) ? parsed : [parsed]) this.#take(message, record);
    });
    ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = String(reason);
    });
  }

  #take(message: Received, record: boolean): void {
    if (message.op === undefined && message.channel !== undefined && message.seq !== undefined) {
      const list = this.seqs.get(message.channel) ?? [];
      if (list.length === 0) this.seqs.set(message.channel, list);
      list.push(message.seq);
      if (!record) return;
    }
    this.received.push(message);
  }

  /** Connects and waits for the server's hello. */
  static async connect(port: number, options: ConnectOptions = {}): Promise<TestClient> {
    const { record = true } = options;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${options.query ? `?${options.query}` : ''}`, {
      headers: options.headers,
    });
    const client = new TestClient(ws, record);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_request, response) =>
        reject(new UpgradeRefused(response.statusCode ?? 0)),
      );
    });
    await client.reply('hello');
    return client;
  }

  /** The HTTP status an upgrade with these options is refused with; fails when it is accepted. */
  static async refusal(port: number, options: ConnectOptions = {}): Promise<number> {
    try {
      const client = await TestClient.connect(port, options);
      client.close();
    } catch (error) {
      if (error instanceof UpgradeRefused) return error.status;
      throw error;
    }
    throw new Error('the upgrade was accepted');
  }

  /** The hello the server sent on connect. */
  get hello(): Received {
    return this.received.find((m) => m.op === 'hello')!;
  }

  /** Resolves with the close code once the server has closed the connection. */
  async closed(timeoutMs = 5000): Promise<number> {
    await waitUntil(() => this.closeCode !== null, 'the connection to close', timeoutMs);
    return this.closeCode!;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Sends a raw message and waits for the next reply with op `op` (from now on). */
  async request(message: unknown, op: string): Promise<Received> {
    const from = this.received.length;
    this.send(message);
    return this.reply(op, from);
  }

  /** Waits for a message with op `op` at or after index `from`. */
  async reply(op: string, from = 0): Promise<Received> {
    let found: Received | undefined;
    await waitUntil(() => {
      found = this.received.slice(from).find((m) => m.op === op);
      return found !== undefined;
    }, `reply "${op}"`);
    return found!;
  }

  /** Subscribes (with `extra` fields such as `batch` or `fromSeq`) and waits for `subscribed`. */
  async subscribe(channel: string, filter?: unknown, extra: Record<string, unknown> = {}): Promise<Received> {
    return this.request(
      { op: 'subscribe', channel, ...(filter === undefined ? {} : { filter }), ...extra },
      'subscribed',
    );
  }

  /** Messages published on `channel`, in arrival order. */
  published(channel = 'predictions'): Received[] {
    return this.received.filter((m) => m.channel === channel && m.op === undefined);
  }

  /** Stops reading from the TCP socket: the kernel buffers fill and the server sees backpressure. */
  pauseReading(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  resumeReading(): void {
    (this.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  }

  close(): void {
    this.ws.terminate();
  }
}

/** A plausible prediction; `i` makes event_id, key and score vary deterministically. */
export function fakePrediction(i: number, overrides: Partial<Prediction> = {}): Prediction {
  const now = Date.now();
  return {
    event_id: `evt-${i}`,
    key: `user-${i % 10}`,
    model: 'fraud',
    model_version: '1',
    score: (i % 100) / 100,
    label: i % 100 >= 50 ? 1 : 0,
    features_missing: [],
    features_stale: [],
    event_time: now - 20,
    ingest_time: now - 10,
    inference_time: now,
    latency_ms: 5 + (i % 30),
    source_partition: i % 4,
    source_offset: i,
    outputs: {},
    ...overrides,
  };
}
