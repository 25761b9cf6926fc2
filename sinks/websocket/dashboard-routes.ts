import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Logger } from '../../core/index.ts';
import type { HttpRoutes } from './http-routes.ts';

const requireFromHere = createRequire(import.meta.url);

/**
 * The dashboard at `/` (one static page, sinks/websocket/dashboard.html) and the charting library
 * it loads, uPlot, served from node_modules as installed: no build step at run time.
 */
export function registerDashboard(routes: HttpRoutes, logger: Logger): void {
  let page: Buffer;
  try {
    page = readFileSync(new URL('./dashboard.html', import.meta.url));
  } catch (error) {
    // A build that forgot to copy the page still serves the feed; say so where an operator looks.
    logger.warn({ err: error }, 'live dashboard page missing; / will answer 503');
    const body = 'dashboard.html is missing from this build';
    routes.add('/', () => ({ status: 503, contentType: 'text/plain; charset=utf-8', body }));
    return;
  }
  routes.add('/', () => ({
    status: 200,
    contentType: 'text/html; charset=utf-8',
    body: page,
    headers: { 'cache-control': 'no-cache' },
  }));
  // The page's charting library, served from node_modules as installed: no build step.
  for (const [path, file, contentType] of [
    ['/vendor/uPlot.iife.min.js', 'uplot/dist/uPlot.iife.min.js', 'text/javascript; charset=utf-8'],
    ['/vendor/uPlot.min.css', 'uplot/dist/uPlot.min.css', 'text/css; charset=utf-8'],
  ] as const) {
    let body: Buffer;
    try {
      body = readFileSync(requireFromHere.resolve(file));
    } catch (error) {
      logger.warn({ err: error, file }, 'a dashboard asset is missing; the page will not draw charts');
      continue;
    }
    routes.add(path, () => ({
      status: 200,
      contentType,
      body,
      headers: { 'cache-control': 'max-age=3600' },
    }));
  }
}
