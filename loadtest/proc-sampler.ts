/**
 * CPU and memory of another process from /proc, sampled on a timer, as an outside observer sees
 * them: CPU of every thread (utime + stime of /proc/<pid>/stat), resident memory now (VmRSS) and at
 * its peak (VmHWM). Linux only; the benchmarks that use it say so when /proc is missing.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ); 100 on every Linux Sluice targets. */
const TICKS_PER_SECOND = 100;

/** One sample: wall-clock ms (Date.now) and the process's CPU seconds so far. */
export interface CpuSample {
  atMs: number;
  cpuSeconds: number;
}

/** The process's CPU seconds so far (all threads, user + system); null once it has exited. */
export function processCpuSeconds(pid: number, statFile = `/proc/${pid}/stat`): number | null {
  try {
    const stat = readFileSync(statFile, 'latin1');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * CPU seconds so far per thread name (`/proc/<pid>/task/<tid>/comm`), threads of one kind summed
 * with their digits dropped (`rdk:broker1` and `rdk:broker2` are `rdk:broker`): where the process's
 * CPU goes: the main thread (`main`), the other Node threads (`node`: workers, V8's helpers,
 * libuv's pool), a client's native threads (`rdk:*`).
 */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const byKind = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byKind;
  }
  for (const tid of tids) {
    try {
      // Node 20 names none of its threads: the main one is told apart by its id; the rest (worker
      // threads, V8's platform threads, libuv's pool) stay `node`.
      const kind =
        Number(tid) === pid
          ? 'main'
          : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'latin1')
              .trim()
              .replace(/[\d/]+$/, '');
      const seconds = processCpuSeconds(Number(tid), `/proc/${pid}/task/${tid}/stat`);
      if (seconds !== null) byKind.set(kind, (byKind.get(kind) ?? 0) + seconds);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byKind;
}

/** VmRSS and VmHWM (peak) of the process in MiB; null once it has exited. */
export function processMemoryMiB(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** Samples a process's CPU every `everyMs` until stopped; `cpuAt` interpolates between samples. */
export class ProcSampler {
  readonly samples: CpuSample[] = [];
  peakRssMiB = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(
    readonly pid: number,
    everyMs = 20,
  ) {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), everyMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#sample();
  }

  /** The process's CPU seconds at wall-clock `atMs`, interpolated between the samples around it. */
  cpuAt(atMs: number): number {
    const s = this.samples;
    if (s.length === 0) return 0;
    if (atMs <= s[0]!.atMs) return s[0]!.cpuSeconds;
    for (let i = 1; i < s.length; i++) {
      if (s[i]!.atMs >= atMs) {
        const a = s[i - 1]!;
        const b = s[i]!;
        const t = b.atMs === a.atMs ? 1 : (atMs - a.atMs) / (b.atMs - a.atMs);
        return a.cpuSeconds + t * (b.cpuSeconds - a.cpuSeconds);
      }
    }
    return s.at(-1)!.cpuSeconds;
  }

  #sample(): void {
    const cpuSeconds = processCpuSeconds(this.pid);
    if (cpuSeconds === null) return;
    this.samples.push({ atMs: Date.now(), cpuSeconds });
    const memory = processMemoryMiB(this.pid);
    if (memory) this.peakRssMiB = Math.max(this.peakRssMiB, memory.peak);
  }
}
