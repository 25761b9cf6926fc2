import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTestServer } from '../../tests/support/live-server-harness.ts';
import { HttpRoutes, jsonReply } from './http-routes.ts';
import type { LiveServer } from './live-server.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const RESPONSE_WRITES = ['cork', 'writeStatus', 'writeHeader', 'end', 'endWithoutBody', 'close'] as const;

/**
 * Resolves `aborted` after the server's own onAborted handler ran, and records any write after it.
 * Nothing public says when uWS has seen a client's abort, and answering before it has would not
 * exercise the aborted path at all, so the test watches the response object itself.
 */
function watchAbort(res: HttpResponse, aborted: { resolve: () => void }, touched: string[]): void {
  let isAborted = false;
  const onAborted = res.onAborted.bind(res);
  res.onAborted = (handler) =>
    onAborted(() => {
      handler();
      isAborted = true;
      aborted.resolve();
    });
  for (const name of RESPONSE_WRITES) {
    const write = (res[name] as (...args: unknown[]) => unknown).bind(res);
    (res as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      if (isAborted) touched.push(name);
      return write(...args);
    };
  }
}

describe('http routes and 404', () => {
  let server: LiveServer | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await server?.close();
  });
  const url = (path: string) => `http://127.0.0.1:${server!.port}${path}`;

  it('serves sync and async routes, JSON 404/405/426/500, and the dashboard', async () => {
    server = await startTestServer();
    server.get('/healthz', () => ({ status: 200, contentType: 'text/plain', body: 'ok' }));
    server.get('/readyz', async (req) => {
      await sleep(20);
      return jsonReply(503, { ready: false, query: req.query });
    });
    server.get('/boom', async () => {
      throw new Error('feature store unreachable');
    });
    server.get('/bin', () => ({
      status: 200,
      contentType: 'application/octet-stream',
      body: Buffer.from([1, 2, 3]),
    }));

    const health = await fetch(url('/healthz'));
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok');

    const ready = await fetch(url('/readyz?verbose=1'));
    expect(ready.status).toBe(503);
    expect(ready.headers.get('content-type')).toMatch(/application\/json/);
    expect(await ready.json()).toEqual({ ready: false, query: 'verbose=1' });

    expect(Buffer.from(await (await fetch(url('/bin'))).arrayBuffer())).toEqual(Buffer.from([1, 2, 3]));

    const missing = await fetch(url('/nope'));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not_found', message: 'no route for /nope' });

    const post = await fetch(url('/healthz'), { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');

    const head = await fetch(url('/healthz'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');

    expect((await fetch(url('/ws'))).status).toBe(426);

    const boom = await fetch(url('/boom'));
    expect(boom.status).toBe(500);
    expect(await boom.json()).toMatchObject({
      error: 'handler_failed',
      message: /feature store unreachable/,
    });

    const page = await fetch(url('/'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<script>[\s\S]*\/ws/);

    expect(() => server!.get('/healthz', () => jsonReply(200, {}))).toThrow(/already registered/);
  });

  it('survives a client that aborts while an async route is pending, and leaves its response alone', async () => {
    // Seen from inside the catch-all: when uWS reports the abort, and what touches the response after.
    const aborted = deferred();
    const touchedAfterAbort: string[] = [];
    const serve = HttpRoutes.prototype.serve;
    vi.spyOn(HttpRoutes.prototype, 'serve').mockImplementation(function (
      this: HttpRoutes,
      res: HttpResponse,
      req: HttpRequest,
    ) {
      if (req.getUrl() === '/slow') watchAbort(res, aborted, touchedAfterAbort);
      serve.call(this, res, req);
    });
    server = await startTestServer();
    const entered = deferred();
    const release = deferred();
    let finished = false;
    server.get('/slow', async () => {
      entered.resolve();
      await release.promise;
      finished = true;
      return jsonReply(200, { late: true });
    });
    const controller = new AbortController();
    const pending = fetch(url('/slow'), { signal: controller.signal }).catch((e: unknown) => e);
    await entered.promise;
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    // Answer only once the server knows: that is the case uWS would crash the process on.
    await aborted.promise;
    release.resolve();
    // The next request is I/O, so the handler's answer (a promise callback) has run before it is served.
    expect((await fetch(url('/nope'))).status).toBe(404);
    expect(finished).toBe(true);
    expect(touchedAfterAbort).toEqual([]);
  });

  it('exposes the sluice_ws_* metrics on a registry served by a route', async () => {
    const registry = new Registry();
    server = await startTestServer({ metrics: registry });
    server.get('/metrics', async () => ({
      status: 200,
      contentType: registry.contentType,
      body: await registry.metrics(),
    }));
    const text = await (await fetch(url('/metrics'))).text();
    expect(text).toMatch(/sluice_ws_subscribers\{channel="predictions"\} 0/);
    expect(text).toMatch(/sluice_ws_messages_sent_total\{channel="drift"\} 0/);
    expect(text).toMatch(/sluice_ws_messages_dropped_total\{channel="deadletters"\} 0/);
  });
});
