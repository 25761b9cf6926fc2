import uws from 'uWebSockets.js';
import { ConfigError, type Logger, retry, SluiceError } from '../../core/index.ts';
import type { LiveServerConfig } from './live-server-config.ts';

// A busy port is asked for again every 50 ms doubling to 1 s, until websocket.listenRetryMs has passed.
const LISTEN_RETRY = {
  retries: Number.POSITIVE_INFINITY,
  initialDelayMs: 50,
  maxDelayMs: 1000,
  factor: 2,
  jitter: 0,
};

/**
 * Binds `app` to `config.host`:`config.port`, asking again while the port is busy (this uWS build
 * binds without SO_REUSEADDR, so a restart in place meets TIME_WAIT) until
 * `websocket.listenRetryMs`; then a ConfigError naming `port`, with the app closed.
 */
export async function listenWithRetry(
  app: uws.TemplatedApp & { close?: () => void },
  config: Pick<LiveServerConfig, 'host' | 'port' | 'listenRetryMs'>,
  logger: Logger,
): Promise<{ socket: uws.us_listen_socket; port: number }> {
  const { host, port, listenRetryMs } = config;
  const deadline = Date.now() + listenRetryMs;
  return retry(
    async () => {
      let bound: uws.us_listen_socket | null = null;
      // uWS calls back synchronously.
      app.listen(host, port, (socket) => {
        if (socket) bound = socket;
      });
      if (bound) return { socket: bound, port: uws.us_socket_local_port(bound) };
      if (Date.now() >= deadline) {
        app.close?.();
        throw new ConfigError(
          'SLUICE_CONFIG_INVALID',
          `port: cannot listen on ${host}:${port} (in use, or host not a local address; retried for ` +
            `websocket.listenRetryMs=${listenRetryMs} ms); set port (SLUICE_PORT) to a free port, or host to an address of this machine`,
          { subject: 'port' },
        );
      }
      throw new SluiceError('SLUICE_LIVE_PORT_BUSY', `${host}:${port} is busy`, {
        retriable: true,
        subject: 'port',
      });
    },
    {
      ...LISTEN_RETRY,
      onRetry: (_error, attempt) => {
        if (attempt === 1) {
          logger.warn(
            { host, port, retryForMs: listenRetryMs },
            'live port busy (TIME_WAIT from a previous run, or another process); retrying',
          );
        } else logger.debug({ host, port, attempt }, 'live port still busy; retrying');
      },
    },
  );
}
