import { createServer, type Server } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startTestServer, waitUntil } from './live-test-support.ts';

function hold(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
}

describe('listen retries while the port is busy', () => {
  it('fails with a ConfigError naming port (SLUICE_PORT) once listenRetryMs has passed', async () => {
    const holder = await hold();
    const started = Date.now();
    const failed = startTestServer({ port: holder.port, listenRetryMs: 300 });
    await expect(failed).rejects.toMatchObject({
      name: 'ConfigError',
      code: 'SLUICE_CONFIG_INVALID',
      subject: 'port',
    });
    // The key a user can set: top-level `port` (SLUICE_PORT), not an `http.*` key that does not exist.
    await expect(failed).rejects.toThrow(/^port: .*SLUICE_PORT/);
    await expect(failed).rejects.not.toThrow(/http\./);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    holder.server.close();
  });

  it('binds as soon as the port is released within the retry window', async () => {
    const holder = await hold();
    const messages: string[] = [];
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => messages.push((JSON.parse(line) as { msg: string }).msg) },
    );
    const starting = startTestServer({ port: holder.port, listenRetryMs: 5000, logger });
    // Released only once the server found the port busy, so the bind below is a retry's.
    await waitUntil(() => messages.some((m) => m.includes('retrying')), 'the first failed attempt');
    holder.server.close();
    const server = await starting;
    expect(server.port).toBe(holder.port);
    await server.close();
  });

  it('refuses invalid options with the key to fix', async () => {
    await expect(startTestServer({ maxSubscribers: 0 })).rejects.toThrow(/^websocket\.maxSubscribers: /);
    await expect(startTestServer({ filterableChannels: ['nope'] })).rejects.toThrow(
      /^websocket\.filterableChannels: "nope" is not in websocket\.channels/,
    );
    // port and host are top-level keys of the app config, not websocket.*.
    await expect(startTestServer({ port: 70_000 })).rejects.toMatchObject({ subject: 'port' });
    await expect(startTestServer({ host: '' })).rejects.toMatchObject({ subject: 'host' });
  });
});
