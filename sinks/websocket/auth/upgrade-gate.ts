import type { LiveAuthConfig } from './live-auth-config.ts';
import { authConfigured } from './live-auth-config.ts';
import { createTokenVerifier, type Grant, type TokenVerifier } from './token-verifier.ts';

/** What an upgrade request carries that the gate reads, copied out of uWS's request before any await. */
export interface UpgradeRequest {
  origin: string;
  host: string;
  authorization: string;
  query: string;
}

/** The gate's answer: let the connection in with its grant, or refuse it with an HTTP status. */
export type GateDecision =
  | { ok: true; grant: Grant }
  | { ok: false; status: 401 | 403; error: 'unauthorized' | 'forbidden_origin'; message: string };

const OPEN: Grant = { channels: null, expiresAtMs: null, subject: 'anonymous' };

/** The bearer token of a request: the Authorization header's, else the `access_token` query parameter (browsers cannot set headers on a WebSocket). */
export function bearerToken(authorization: string, query: string): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (match) return match[1]!;
  return new URLSearchParams(query).get('access_token') ?? '';
}

/**
 * Who may open `/ws`: a browser page from another origin is refused (403) unless
 * `websocket.allowedOrigins` lists it (or `*`); a request with no Origin is not a browser's and
 * is not judged by it. With auth configured, a request without a valid token gets 401.
 */
export class UpgradeGate {
  readonly #allowed: ReadonlySet<string>;
  readonly #verifier: TokenVerifier | undefined;

  constructor(auth: LiveAuthConfig, allowedOrigins: readonly string[], env: NodeJS.ProcessEnv = process.env) {
    this.#allowed = new Set(allowedOrigins);
    this.#verifier = authConfigured(auth) ? createTokenVerifier(auth, env) : undefined;
  }

  get authRequired(): boolean {
    return this.#verifier !== undefined;
  }

  /** The token check alone (for `/metrics`): the grant, or why not. */
  async checkToken(authorization: string, query: string): Promise<GateDecision> {
    if (!this.#verifier) return { ok: true, grant: OPEN };
    const result = await this.#verifier.verify(bearerToken(authorization, query));
    if ('reason' in result) return { ok: false, status: 401, error: 'unauthorized', message: result.reason };
    if (result.expiresAtMs !== null && result.expiresAtMs <= Date.now())
      return { ok: false, status: 401, error: 'unauthorized', message: 'the token has expired' };
    return { ok: true, grant: result };
  }

  async admit(request: UpgradeRequest): Promise<GateDecision> {
    if (!this.#originAllowed(request.origin, request.host))
      return {
        ok: false,
        status: 403,
        error: 'forbidden_origin',
        message: `origin ${request.origin} may not open this feed; add it to websocket.allowedOrigins`,
      };
    return this.checkToken(request.authorization, request.query);
  }

  #originAllowed(origin: string, host: string): boolean {
    if (origin === '' || this.#allowed.has('*') || this.#allowed.has(origin)) return true;
    try {
      return new URL(origin).host === host;
    } catch {
      return false;
    }
  }
}
