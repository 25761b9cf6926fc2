/**
 * Plain HTTP routes on the live server's port (`/healthz`, `/readyz`, `/metrics`, the dashboard).
 * Routes live in our own table behind one uWS catch-all so they can be added after listen and so
 * every miss gets the same JSON 404. uWS rules this file exists to keep in one place:
 * - a request object dies with its callback, so what a handler may read is copied first;
 * - an answer that is not written inside the callback needs `onAborted` (or uWS terminates the
 *   process) and its writes must be corked;
 * - after an abort the response must not be touched.
 */

import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { STATUS_CODES } from 'node:http';
import type { Logger } from '../../core/index.ts';
import { errorMessage } from '../../core/index.ts';

/** What a route handler returns; the server writes it as the response. */
export interface HttpReply {
  status: number;
  contentType: string;
  body: string | Uint8Array;
  headers?: Readonly<Record<string, string>>;
}

/** The request as a handler sees it: copied out of uWS before the handler runs, so it stays valid across awaits. */
export interface HttpRequestInfo {
  /** Lower-case method, `get` or `head`. */
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** Raw query string without `?`, empty when none. */
  readonly query: string;
  /** The Authorization header, empty when none. */
  readonly authorization: string;
}

/** A GET route registered with `LiveServer.get`; may answer synchronously or with a promise. Throwing yields a 500. */
export type HttpHandler = (request: HttpRequestInfo) => HttpReply | Promise<HttpReply>;

/** Builds a JSON reply; exported for route handlers that answer with JSON. */
export function jsonReply(status: number, value: unknown): HttpReply {
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(value) };
}

/** The route table and the uWS catch-all that serves it; owned by the live server. */
export class HttpRoutes {
  readonly #routes = new Map<string, HttpHandler>();
  readonly #logger: Logger;
  /** Path of the WebSocket endpoint: a plain GET there gets 426 rather than a puzzling 404. */
  readonly #wsPath: string;

  constructor(logger: Logger, wsPath: string) {
    this.#logger = logger;
    this.#wsPath = wsPath;
  }

  add(path: string, handler: HttpHandler): void {
    if (!path.startsWith('/')) throw new TypeError(`HTTP route "${path}" must start with "/"`);
    if (path === this.#wsPath) throw new TypeError(`HTTP route "${path}" is the WebSocket endpoint`);
    if (this.#routes.has(path)) throw new TypeError(`HTTP route "${path}" is already registered`);
    this.#routes.set(path, handler);
  }

  /**
   * The uWS `any('/*')` callback. uWS aborts the whole process when a handler returns without
   * responding, so whatever goes wrong in here still ends the response.
   */
  serve(res: HttpResponse, req: HttpRequest): void {
    try {
      this.#serve(res, req);
    } catch (error) {
      this.#logger.error({ err: error }, 'HTTP request failed before a response was written');
      endWithError(res);
    }
  }

  #serve(res: HttpResponse, req: HttpRequest): void {
    const method = req.getMethod();
    const path = req.getUrl();
    const handler = this.#routes.get(path);
    if (handler === undefined) {
      if (path === this.#wsPath) {
        write(
          res,
          method,
          jsonReply(426, { error: 'upgrade_required', message: `${path} is a WebSocket endpoint` }),
        );
      } else {
        write(res, method, jsonReply(404, { error: 'not_found', message: `no route for ${path}` }));
      }
      return;
    }
    if (method !== 'get' && method !== 'head') {
      const reply = jsonReply(405, { error: 'method_not_allowed', message: `${path} accepts GET and HEAD` });
      write(res, method, { ...reply, headers: { allow: 'GET, HEAD' } });
      return;
    }
    const info: HttpRequestInfo = {
      method,
      path,
      query: req.getQuery() ?? '',
      authorization: req.getHeader('authorization'),
    };
    let result: HttpReply | Promise<HttpReply>;
    try {
      result = handler(info);
    } catch (error) {
      write(res, method, this.#failed(path, error));
      return;
    }
    if (!isPromiseLike(result)) {
      write(res, method, result);
      return;
    }
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const answer = (reply: HttpReply) => {
      if (aborted) return;
      try {
        res.cork(() => write(res, method, reply));
      } catch (error) {
        // e.g. a reply with a body that is not a string or bytes: an unhandled rejection would end the process.
        this.#logger.error({ err: error, path }, 'HTTP response could not be written');
        endWithError(res);
      }
    };
    result.then(answer, (error: unknown) => answer(this.#failed(path, error)));
  }

  #failed(path: string, error: unknown): HttpReply {
    this.#logger.error({ err: error, path }, 'HTTP route handler failed');
    return jsonReply(500, { error: 'handler_failed', message: `${path} failed: ${errorMessage(error)}` });
  }
}

function isPromiseLike(value: HttpReply | Promise<HttpReply>): value is Promise<HttpReply> {
  return typeof (value as { then?: unknown }).then === 'function';
}

function write(res: HttpResponse, method: string, reply: HttpReply): void {
  res.writeStatus(`${reply.status} ${STATUS_CODES[reply.status] ?? 'Unknown'}`);
  res.writeHeader('content-type', reply.contentType);
  if (reply.headers) for (const [name, value] of Object.entries(reply.headers)) res.writeHeader(name, value);
  // endWithoutBody(length) does not complete the response in this uWS build; without a length it does.
  if (method === 'head') res.endWithoutBody();
  else res.end(reply.body);
}

/** Last resort once writing failed midway: a 500 if the status line can still be written, else drop the connection. */
function endWithError(res: HttpResponse): void {
  try {
    res.cork(() => res.writeStatus('500 Internal Server Error').end('{"error":"internal"}'));
  } catch {
    try {
      res.close();
    } catch {
      // Already closed or aborted: nothing left to end.
    }
  }
}
