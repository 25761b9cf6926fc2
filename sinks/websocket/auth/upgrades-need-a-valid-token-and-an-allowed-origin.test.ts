import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ConfigError, silentLogger } from '../../../core/index.ts';
import { redactSecrets } from '../../../core/secrets.ts';
import { liveFixture, TestClient } from '../../../tests/support/live-server-harness.ts';
import { CLOSE_TOKEN_EXPIRED } from '../close-codes.ts';
import { jsonReply } from '../http-routes.ts';
import { LiveServer } from '../live-server.ts';

const STATIC = 'static-token-for-drift-only-0123456789';
const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';
const dir = mkdtempSync(join(tmpdir(), 'sluice-auth-'));
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicKeyFile = join(dir, 'public.pem');
writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
process.env.SLUICE_TEST_JWT_SECRET = SECRET;

const auth = {
  tokens: [{ token: STATIC, channels: ['drift'] }],
  hs256: { secretEnv: 'SLUICE_TEST_JWT_SECRET' },
  rs256: { publicKeyFile },
  audience: 'sluice-live',
  issuer: 'https://auth.example',
  clockSkewSeconds: 0,
  metrics: true,
};

async function hs256(claims: Record<string, unknown>, expiresInSeconds = 300, key = SECRET) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience('sluice-live')
    .setIssuer('https://auth.example')
    .setSubject('dashboard')
    .setIssuedAt(now)
    .setExpirationTime(now + expiresInSeconds)
    .sign(new TextEncoder().encode(key));
}

async function rs256(claims: Record<string, unknown>) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256' })
    .setAudience('sluice-live')
    .setIssuer('https://auth.example')
    .setExpirationTime('5m')
    .sign(privateKey);
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('the live feed with websocket.auth', () => {
  const live = liveFixture();

  it('refuses an upgrade with no token, a wrong one, an expired JWT, a bad signature or the wrong audience (401)', async () => {
    const server = await live.start({ auth });
    const { port } = server;
    expect(await TestClient.refusal(port)).toBe(401);
    expect(await TestClient.refusal(port, bearer('not-a-token-at-all-0000000000'))).toBe(401);
    expect(await TestClient.refusal(port, bearer(await hs256({}, -60)))).toBe(401);
    expect(await TestClient.refusal(port, bearer(await hs256({}, 300, `${SECRET}-other`)))).toBe(401);
    const wrongAudience = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('someone-else')
      .setIssuer('https://auth.example')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET));
    expect(await TestClient.refusal(port, bearer(wrongAudience))).toBe(401);
    expect(server.stats().clientErrors.unauthorized).toBe(5);
  });

  it('refuses a browser page from another origin (403) and lets its own origin and listed ones in', async () => {
    const server = await live.start({ auth, allowedOrigins: ['https://ops.example'] });
    const { port } = server;
    const token = await hs256({});
    const withOrigin = (origin: string) => ({ headers: { authorization: `Bearer ${token}`, origin } });
    expect(await TestClient.refusal(port, withOrigin('http://evil.example'))).toBe(403);
    await live.connect(withOrigin(`http://127.0.0.1:${port}`));
    await live.connect(withOrigin('https://ops.example'));
  });

  it('lets a valid token in, by header or access_token, and limits it to its channels', async () => {
    await live.start({ auth });
    const onlyDrift = await live.connect(bearer(STATIC));
    expect(await onlyDrift.subscribe('drift')).toMatchObject({ op: 'subscribed', channel: 'drift' });
    const refused = await onlyDrift.request({ op: 'subscribe', channel: 'predictions' }, 'error');
    expect(refused).toMatchObject({ error: 'forbidden_channel' });

    const viaQuery = await live.connect({
      query: `access_token=${await hs256({ channels: ['predictions', 'alerts'] })}`,
    });
    expect(await viaQuery.subscribe('predictions')).toMatchObject({ op: 'subscribed' });
    expect(await viaQuery.request({ op: 'subscribe', channel: 'drift' }, 'error')).toMatchObject({
      error: 'forbidden_channel',
    });

    const rsa = await live.connect(bearer(await rs256({})));
    expect(await rsa.subscribe('deadletters')).toMatchObject({ op: 'subscribed' });
  });

  it('closes a connection whose token expires, with 4001', async () => {
    const _server = await live.start({ auth });
    const client = await live.connect(bearer(await hs256({}, 1)));
    expect(await client.closed(5000)).toBe(CLOSE_TOKEN_EXPIRED);
    expect(client.closeReason).toBe('token expired');
  });

  it('puts /metrics behind a token when websocket.auth.metrics is set; /healthz stays open', async () => {
    const server = await live.start({ auth });
    server.get('/metrics', () => jsonReply(200, { ok: true }), { requireToken: server.metricsNeedToken });
    server.get('/healthz', () => jsonReply(200, { status: 'ok' }));
    const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
    expect((await fetch(url('/metrics'))).status).toBe(401);
    expect((await fetch(url('/metrics'), { headers: { authorization: `Bearer ${STATIC}` } })).status).toBe(
      200,
    );
    expect((await fetch(url('/healthz'))).status).toBe(200);
  });

  it('refuses to start on a non-loopback address without auth unless allowAnonymous is set', async () => {
    const start = (options: Record<string, unknown>) =>
      LiveServer.start({ port: 0, host: '0.0.0.0', logger: silentLogger, ...options });
    const error = await start({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /host: 0\.0\.0\.0 is not a loopback address .* websocket\.allowAnonymous/,
    );
    await (await start({ allowAnonymous: true })).close();
    await (await start({ auth })).close();
  });

  it('never prints a token: sluice config shows ***', () => {
    const printed = JSON.stringify(redactSecrets({ websocket: { auth } }));
    expect(printed).not.toContain(STATIC);
    expect(printed).toContain('***');
  });
});
