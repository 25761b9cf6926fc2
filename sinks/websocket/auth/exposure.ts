import type uws from 'uWebSockets.js';
import { ConfigError, type Logger } from '../../../core/index.ts';
import type { LiveServerConfig } from '../live-server-config.ts';
import { authConfigured } from './live-auth-config.ts';

/** Without auth the feed is anyone's who reaches the port: only loopback, unless the operator says so. */
export function checkExposure(
  config: Pick<LiveServerConfig, 'host' | 'allowAnonymous' | 'auth'>,
  logger: Logger,
): void {
  const { host, allowAnonymous, auth } = config;
  if (authConfigured(auth)) return;
  if (isLoopback(host)) {
    logger.info({ host }, 'no websocket.auth configured: the live port listens on loopback only');
    return;
  }
  if (!allowAnonymous)
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `host: ${host} is not a loopback address and websocket.auth configures no token; anyone who reaches the port could read every channel. Configure websocket.auth, or set websocket.allowAnonymous: true`,
      { subject: 'host' },
    );
  logger.warn({ host }, 'websocket.allowAnonymous: the live feed is open to anyone who reaches the port');
}

/** Answers an upgrade the server will not take: the status, a JSON body naming why, and for 401 the challenge. */
export function writeRefusal(res: uws.HttpResponse, status: number, error: string, message: string): void {
  const line =
    status === 401 ? '401 Unauthorized' : status === 403 ? '403 Forbidden' : '503 Service Unavailable';
  res.writeStatus(line).writeHeader('content-type', 'application/json; charset=utf-8');
  if (status === 401) res.writeHeader('www-authenticate', 'Bearer');
  res.end(JSON.stringify({ error, message }));
}

/** Whether a bind address reaches this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
