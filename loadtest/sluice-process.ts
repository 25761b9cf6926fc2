/**
 * Sluice as its users run it, in a child process: `app/main.ts` through tsx (the `npm start`
 * entry, with its flags) or the compiled `dist/app/main.js`, in a checkout given by `dir`, so a benchmark can run the same harness against another
 * commit's code (ab-bench's scratch worktree). Config comes from the environment (`SLUICE_*`,
 * `KAFKA_BROKERS`, `REDIS_URL`); its output goes to a log file the benchmark names when it fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/** `tsx`: `npm start`'s way, transpiling as it loads; `dist`: the compiled build (`npm run build`), as a deployment runs it. */
export type SluiceEntry = 'tsx' | 'dist';

export class SluiceProcess {
  readonly child: ChildProcess;
  /** Date.now() just before the spawn. */
  readonly startedAtMs: number;
  readonly logFile: string;
  #exited: Promise<number | null>;

  private constructor(child: ChildProcess, startedAtMs: number, logFile: string) {
    this.child = child;
    this.startedAtMs = startedAtMs;
    this.logFile = logFile;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static start(
    dir: string,
    env: Record<string, string>,
    logFile: string,
    nodeArgs: readonly string[] = [],
    entry: SluiceEntry = 'tsx',
  ): SluiceProcess {
    const log = createWriteStream(logFile);
    const startedAtMs = Date.now();
    const main = entry === 'dist' ? ['dist/app/main.js'] : ['--import', 'tsx', 'app/main.ts'];
    const args = ['--max-semi-space-size=64', ...nodeArgs, ...main];
    const child = spawn(process.execPath, args, {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    return new SluiceProcess(child, startedAtMs, logFile);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Whether it exited (a crash mid-benchmark), with its code. */
  exitCode(): number | null {
    return this.child.exitCode;
  }

  /** SIGTERM (graceful shutdown), then SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
