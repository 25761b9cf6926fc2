/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../app/run-pipeline.ts';
import { silentLogger } from '../../core/logger.ts';
import { testConfig } from '../support/embedded-harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'dashboard-test-token-0123456789abcdef';

interface LiveState {
  latest: Array<{ key: string; seq: number }>;
  history: { t: number[] };
  drift: unknown;
  gaps: number;
}
declare global {
  interface Window {
    sluiceLive: { state: LiveState; socket: () => WebSocket };
  }
}

async function start(websocket: Record<string, unknown> = {}) {
  const config = testConfig({
    port: 0,
    host: '127.0.0.1',
    status: { intervalMs: 0 },
    generator: { enabled: true, ratePerSecond: 400 },
    websocket,
  });
  return runPipeline(config, silentLogger);
}

/** Waits until the page shows charts with at least two seconds of stats and a table of predictions. */
async function waitForLiveData(page: Page): Promise<void> {
  await page.waitForFunction(
    () => window.sluiceLive?.state.history.t.length >= 2 && window.sluiceLive.state.latest.length >= 5,
    undefined,
    { timeout: 20_000 },
  );
}

describe('the dashboard in a real browser (headless Chromium)', () => {
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `${CHROMIUM} is missing: run bash scripts/system-packages.sh (installs Debian's chromium), or set CHROMIUM_PATH`,
      );
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => browser?.close());

  it('draws live charts and predictions, filters by a key, and resumes after the connection drops', async () => {
    const pipeline = await start();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(`http://127.0.0.1:${pipeline.server.port}/`);
      await waitForLiveData(page);
      expect(await page.locator('#chartRate canvas').count()).toBe(1);
      expect(await page.locator('#chartLat canvas').count()).toBe(1);
      expect(await page.locator('#rows tr').count()).toBeGreaterThanOrEqual(5);
      expect(await page.locator('#cIn').textContent()).not.toBe('–');

      // Drop the connection: the page reconnects by itself and resumes each channel from its last seq.
      const before = await page.evaluate(() => window.sluiceLive.state.latest.at(-1)!.seq);
      await page.evaluate(() => window.sluiceLive.socket().close());
      await page.waitForFunction(
        () => document.getElementById('connText')!.textContent === 'live (resumed)',
        undefined,
        {
          timeout: 15_000,
        },
      );
      await page.waitForFunction((seq) => window.sluiceLive.state.latest.at(-1)!.seq > seq, before, {
        timeout: 15_000,
      });
      expect(await page.locator('#gapNote').textContent()).toBe('');

      // Filter by the keys of the last rows shown: from then on the table holds only those.
      const keys = await page.evaluate(() => [
        ...new Set(window.sluiceLive.state.latest.slice(-20).map((r) => r.key)),
      ]);
      await page.fill('#fKeys', keys.join(', '));
      await page.click('#filter button[type=submit]');
      await page.waitForFunction(
        (wanted) => {
          const rows = window.sluiceLive.state.latest;
          return rows.length >= 2 && rows.every((r) => wanted.includes(r.key));
        },
        keys,
        { timeout: 30_000 },
      );
      await page.waitForFunction(
        (wanted) => {
          const cells = Array.from(
            document.querySelectorAll('#rows tr td:nth-child(3)'),
            (td) => td.textContent ?? '',
          );
          return cells.length >= 2 && cells.every((k) => wanted.includes(k));
        },
        keys,
        { timeout: 5_000 },
      );
      mkdirSync('.sluice', { recursive: true });
      await page.screenshot({ path: '.sluice/dashboard.png', fullPage: true });
    } finally {
      await page.close();
      await pipeline.stop();
    }
  }, 90_000);

  it('works with auth on: a token from the page URL, or from the prompt', async () => {
    const pipeline = await start({ auth: { tokens: [{ token: TOKEN }] } });
    const url = `http://127.0.0.1:${pipeline.server.port}/`;
    const withToken = await browser.newPage();
    const prompted = await browser.newPage();
    try {
      await withToken.goto(`${url}?access_token=${TOKEN}`);
      await waitForLiveData(withToken);
      const asked: string[] = [];
      prompted.on('dialog', (dialog) => {
        asked.push(dialog.message());
        void dialog.accept(TOKEN);
      });
      await prompted.goto(url);
      await waitForLiveData(prompted);
      expect(asked).toEqual(['This Sluice feed needs a token (websocket.auth):']);
    } finally {
      await withToken.close();
      await prompted.close();
      await pipeline.stop();
    }
  }, 90_000);
});
