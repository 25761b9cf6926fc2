import { createServer, type Server } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { startTestServer, waitUntil } from '../../tests/support/live-server-harness.ts';

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
    // The retry deadline is read from Date. With Date standing still, "not before listenRetryMs"
    // is exact: any number of retries and no failure, then failure once the clock moves past it.
    // A wall-clock lower bound could only check that the retries took some time.
    vi.useFakeTimers({ toFake: ['Date'] });
    const holder = await hold();
    try {
      const messages: string[] = [];
      const logger = pino(
        { level: 'debug' },
        { write: (line: string) => messages.push((JSON.parse(line) as { msg: string }).msg) },
      );
      let settled = false;
      const failed = startTestServer({ port: holder.port, listenRetryMs: 300, logger });
      failed.then(
        () => (settled = true),
        () => (settled = true),
      );
      const retries = () => messages.filter((m) => m.includes('still busy')).length;
      await waitUntil(() => settled || retries() >= 3, 'three more attempts with the clock standing still');
      expect(settled).toBe(false);
      vi.setSystemTime(Date.now() + 300);
      // Past the deadline the next failed attempt is the last: it fails rather than retrying on.
      const before = retries();
      await waitUntil(() => settled || retries() >= before + 2, 'the attempt after the deadline');
      expect(settled).toBe(true);
      await expect(failed).rejects.toMatchObject({
        name: 'ConfigError',
        code: 'SLUICE_CONFIG_INVALID',
        subject: 'port',
      });
      // The key a user can set: top-level `port` (SLUICE_PORT), not an `http.*` key that does not exist.
      await expect(failed).rejects.toThrow(/^port: .*SLUICE_PORT/);
      await expect(failed).rejects.not.toThrow(/http\./);
    } finally {
      vi.useRealTimers();
      holder.server.close();
    }
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
