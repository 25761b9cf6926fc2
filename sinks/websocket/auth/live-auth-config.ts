import { z } from 'zod';

/** Channel names a token may read; absent means every channel. */
const channelsSchema = z.array(z.string().min(1)).min(1).optional();

/**
 * `websocket.auth`: who may open `/ws` (and, with `metrics`, read `/metrics`). Any mix of static
 * bearer tokens, HS256 JWTs (a shared secret from an environment variable or a file) and RS256
 * JWTs (a public key in a PEM file). Nothing configured means no auth: the server then binds to
 * loopback only, unless `websocket.allowAnonymous`. Token values are secrets: `sluice config`
 * and the logs show them as `***`.
 */
export const liveAuthConfigSchema = z
  .strictObject({
    /** Static bearer tokens, each with the channels it may read. */
    tokens: z.array(z.strictObject({ token: z.string().min(16), channels: channelsSchema })).default([]),
    hs256: z
      .strictObject({
        /** The environment variable holding the shared secret (at least 32 bytes). */
        secretEnv: z.string().min(1).optional(),
        /** Or a file holding it (trailing newline ignored). */
        secretFile: z.string().min(1).optional(),
      })
      .refine((h) => (h.secretEnv === undefined) !== (h.secretFile === undefined), {
        message: 'set exactly one of secretEnv and secretFile',
      })
      .optional(),
    rs256: z.strictObject({ publicKeyFile: z.string().min(1) }).optional(),
    /** Required `aud` and `iss` of a JWT, when set. */
    audience: z.string().min(1).optional(),
    issuer: z.string().min(1).optional(),
    /** Tolerance on `exp` and `nbf`. */
    clockSkewSeconds: z.number().int().min(0).max(600).default(30),
    /** `/metrics` needs a valid token too (in the Authorization header). */
    metrics: z.boolean().default(false),
  })
  .prefault({});

export type LiveAuthConfig = z.output<typeof liveAuthConfigSchema>;

/** Whether any way to authenticate is configured. */
export function authConfigured(auth: LiveAuthConfig): boolean {
  return auth.tokens.length > 0 || auth.hs256 !== undefined || auth.rs256 !== undefined;
}
