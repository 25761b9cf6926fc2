import { createHash, createPublicKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../../core/index.ts';
import { rememberSecrets } from '../../../core/secrets.ts';
import type { LiveAuthConfig } from './live-auth-config.ts';

/** Who a valid token lets in: the channels it may read (null: all) and when it stops being valid. */
export interface Grant {
  channels: ReadonlySet<string> | null;
  /** Epoch ms after which the connection is closed (exp plus the clock skew); null: never. */
  expiresAtMs: number | null;
  /** Who it names, for logs: the JWT `sub`, or `static token #n`. */
  subject: string;
}

/** A refusal, with a reason a client can act on (never the token itself). */
export interface Refusal {
  reason: string;
}

/** Checks bearer tokens against `websocket.auth`: static tokens, HS256 and RS256 JWTs. */
export interface TokenVerifier {
  verify(token: string): Promise<Grant | Refusal>;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

type Jose = typeof import('jose');
let jose: Promise<Jose> | undefined;
// jose loads on the first JWT, not at startup (about 30 ms of module loading most runs never need).
const loadJose = (): Promise<Jose> => {
  jose ??= import('jose');
  return jose;
};

/**
 * The verifier of `websocket.auth`, with its keys read once (a secret that cannot be read is a
 * ConfigError naming the key). JWTs are verified with jose: signature, `exp` and `nbf` within
 * `clockSkewSeconds`, and `aud` and `iss` when configured; a `channels` claim (an array of
 * channel names) limits what the connection may subscribe to. Static tokens are compared in
 * constant time through their SHA-256.
 */
export function createTokenVerifier(
  auth: LiveAuthConfig,
  env: NodeJS.ProcessEnv = process.env,
): TokenVerifier {
  const statics = auth.tokens.map((t, i) => ({
    hash: digest(t.token),
    channels: t.channels ? new Set(t.channels) : null,
    subject: `static token #${i + 1}`,
  }));
  rememberSecrets(auth.tokens.map((t) => t.token));
  const hmac = auth.hs256 ? hs256Key(auth.hs256, env) : undefined;
  const rsa = auth.rs256 ? rs256Key(auth.rs256.publicKeyFile) : undefined;
  const skew = auth.clockSkewSeconds;
  return {
    async verify(token) {
      if (token.length === 0)
        return { reason: 'no token: send Authorization: Bearer <token> or ?access_token=' };
      const hash = digest(token);
      for (const s of statics)
        if (timingSafeEqual(s.hash, hash))
          return { channels: s.channels, expiresAtMs: null, subject: s.subject };
      if (!hmac && !rsa) return { reason: 'the token is not valid' };
      const { decodeProtectedHeader, errors, jwtVerify } = await loadJose();
      let alg: string | undefined;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        return { reason: 'the token is not valid' };
      }
      const key = alg === 'HS256' ? hmac : alg === 'RS256' ? rsa : undefined;
      if (!key) return { reason: `the token's algorithm ${String(alg)} is not accepted` };
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [alg!],
          clockTolerance: skew,
          ...(auth.audience ? { audience: auth.audience } : {}),
          ...(auth.issuer ? { issuer: auth.issuer } : {}),
        });
        const claim = payload.channels;
        if (claim !== undefined && !(Array.isArray(claim) && claim.every((c) => typeof c === 'string')))
          return { reason: 'the token\'s "channels" claim must be an array of channel names' };
        return {
          channels: claim === undefined ? null : new Set(claim as string[]),
          expiresAtMs: typeof payload.exp === 'number' ? (payload.exp + skew) * 1000 : null,
          subject: typeof payload.sub === 'string' ? payload.sub : 'jwt',
        };
      } catch (error) {
        return { reason: refusalOf(error, errors) };
      }
    },
  };
}

function refusalOf(error: unknown, joseErrors: Jose['errors']): string {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `the token's "${error.claim}" claim is not accepted (${error.reason})`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token signature is not valid';
  return 'the token is not valid';
}

function hs256Key(hs256: NonNullable<LiveAuthConfig['hs256']>, env: NodeJS.ProcessEnv): Uint8Array {
  let secret: string | undefined;
  let where: string;
  if (hs256.secretEnv !== undefined) {
    where = `websocket.auth.hs256.secretEnv (${hs256.secretEnv})`;
    secret = env[hs256.secretEnv];
  } else {
    where = `websocket.auth.hs256.secretFile (${hs256.secretFile})`;
    try {
      secret = readFileSync(hs256.secretFile!, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new ConfigError(
        'SLUICE_CONFIG_INVALID',
        `${where}: cannot read it: ${(error as Error).message}`,
        {
          subject: 'websocket.auth.hs256',
        },
      );
    }
  }
  if (secret === undefined || Buffer.byteLength(secret) < 32)
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `${where}: the HS256 secret must be set and at least 32 bytes long`,
      { subject: 'websocket.auth.hs256' },
    );
  rememberSecrets([secret]);
  return new TextEncoder().encode(secret);
}

function rs256Key(file: string): KeyObject {
  try {
    return createPublicKey(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `websocket.auth.rs256.publicKeyFile (${file}): not a readable PEM public key: ${(error as Error).message}`,
      { subject: 'websocket.auth.rs256.publicKeyFile' },
    );
  }
}
