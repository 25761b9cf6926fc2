import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  fakePrediction,
  startTestServer,
  TestClient,
  waitUntil,
} from '../../tests/support/live-server-harness.ts';
import { CLOSE_GOING_AWAY } from './close-codes.ts';

function connectError(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

/** An HTTP/1.1 connection kept open after one answered GET /healthz, to reuse after a close. */
async function keptAliveConnection(
  port: number,
): Promise<{ requestAgain(): Promise<'answered' | 'closed'> }> {
  const socket: Socket = connect(port, '127.0.0.1');
  let closed = false;
  let onData: (() => void) | undefined;
  let onClosed: (() => void) | undefined;
  const markClosed = () => {
    closed = true;
    onClosed?.();
  };
  socket.on('end', markClosed).on('close', markClosed).on('error', markClosed);
  const request = () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString();
    onData?.();
  });
  await new Promise<void>((resolve) => {
    onData = () => {
      if (received.endsWith('ok')) resolve();
    };
    socket.once('connect', request);
  });
  return {
    requestAgain() {
      return new Promise<'answered' | 'closed'>((resolve) => {
        onData = () => resolve('answered');
        onClosed = () => resolve('closed');
        if (closed) resolve('closed');
        else request();
      }).finally(() => socket.destroy());
    },
  };
}

describe('close frees the port', () => {
  it('closes subscribers with 1001, stops listening, and publish stays safe', async () => {
    const server = await startTestServer();
    const port = server.port;
    expect(port).toBeGreaterThan(0);
    const client = await TestClient.connect(port);
    await client.subscribe('predictions');

    await server.close();
    await waitUntil(() => client.closeCode !== null, 'client close');
    expect(client.closeCode).toBe(CLOSE_GOING_AWAY);
    expect(client.closeReason).toBe('server shutting down');
    expect(await connectError(port)).toBe('ECONNREFUSED');
    expect(server.stats().connections).toBe(0);
    expect(() => server.publishBatch('predictions', [fakePrediction(1)])).not.toThrow();
    await server.close(); // idempotent
  });

  it('lets a new server bind the same port right after close', async () => {
    const first = await startTestServer();
    const port = first.port;
    // A subscriber that leaves on its own: the TIME_WAIT is on its side, not on the server port.
    const client = await TestClient.connect(port);
    client.close();
    await waitUntil(() => first.stats().connections === 0, 'server to see the client leave');
    await first.close();
    const second = await startTestServer({ port, listenRetryMs: 0 });
    expect(second.port).toBe(port);
    await second.close();
  });

  it('closes idle keep-alive HTTP connections, so none can keep serving (or hold the process)', async () => {
    const server = await startTestServer();
    server.get('/healthz', () => ({ status: 200, contentType: 'text/plain', body: 'ok' }));
    const connection = await keptAliveConnection(server.port);
    await server.close();
    // Left open, the connection would answer at once (uWS keeps serving it until its idle timeout),
    // so "answered" versus "closed" tells the two apart by an event, not by a clock.
    expect(await connection.requestAgain()).toBe('closed');
  });

  it('lets the process exit once closed, with a subscriber and a keep-alive HTTP client connected', async () => {
    const script = fileURLToPath(new URL('../../tests/support/live-server-exit-script.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += String(d);
    });
    child.stderr.on('data', (d) => {
      output += String(d);
    });
    // Exiting on its own with 0 is the behaviour; the kill only keeps a hung child from outliving
    // the test (it then fails on the signal). Promptness is the keep-alive test above: a connection
    // left open would hold the loop until uWS's idle timeout, which a wall-clock bound only raced.
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      child.on('exit', (c, s) => resolve([c, s]));
    });
    clearTimeout(timer);
    expect(output).toContain('closed');
    expect(signal).toBeNull();
    expect(code).toBe(0);
  });
});
