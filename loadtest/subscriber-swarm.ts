import { type ChildProcess, fork } from 'node:child_process';

/** What the swarm measured: messages received, evictions it saw, delivery latency percentiles. */
export interface SwarmResult {
  received: number;
  closedByServer: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU seconds the swarm's process used from ready to stop (it shares the cores with the server). */
  cpuSeconds: number;
}

/** How the swarm's clients subscribe. */
export interface SwarmOptions {
  /** The last this many clients stop reading after subscribing. */
  stalled?: number;
  /** Subscribe with `"batch": true` (live messages in arrays). */
  batch?: boolean;
}

/**
 * The subscribers of a live-feed benchmark, in a child process (loadtest/ws-subscriber-swarm.ts)
 * so the server's process is measured alone: `count` clients on `predictions`, the last
 * `stalled` of which stop reading, each subscribed with or without `batch`. `ready` once all are subscribed; `stop` for the result.
 */
export class Swarm {
  readonly #child: ChildProcess;
  readonly ready: Promise<void>;
  #result: ((r: SwarmResult) => void) | undefined;

  constructor(port: number, count: number, { stalled = 0, batch = false }: SwarmOptions = {}) {
    this.#child = fork(
      new URL('./ws-subscriber-swarm.ts', import.meta.url),
      [String(port), String(count), String(stalled), batch ? 'batch' : 'single'],
      {
        execArgv: [
          '--import',
          'tsx',
          ...(process.env.SWARM_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir=.sluice/tmp/prof'] : []),
        ],
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
