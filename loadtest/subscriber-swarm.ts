import { type ChildProcess, fork } from 'node:child_process';

/** What the swarm measured: messages received, evictions it saw, delivery latency percentiles. */
export interface SwarmResult {
  received: number;
  closedByServer: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * The subscribers of a live-feed benchmark, in a child process (loadtest/ws-subscriber-swarm.ts)
 * so the server's process is measured alone: `count` clients on `predictions`, the last
 * `stalled` of which stop reading. `ready` once all are subscribed; `stop` for the result.
 */
export class Swarm {
  readonly #child: ChildProcess;
  readonly ready: Promise<void>;
  #result: ((r: SwarmResult) => void) | undefined;

  constructor(port: number, count: number, stalled = 0) {
    this.#child = fork(
      new URL('./ws-subscriber-swarm.ts', import.meta.url),
      [String(port), String(count), String(stalled)],
      {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    this.ready = new Promise((resolve, reject) => {
      this.#child.on('message', (m: { kind: string } & SwarmResult) => {
        if (m.kind === 'ready') resolve();
        if (m.kind === 'result') this.#result?.(m);
      });
      this.#child.on('exit', (code) => code && reject(new Error(`the subscriber swarm exited with ${code}`)));
    });
  }

  stop(): Promise<SwarmResult> {
    return new Promise((resolve) => {
      this.#result = resolve;
      this.#child.send({ kind: 'stop' });
    });
  }
}
