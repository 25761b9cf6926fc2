/**
 * Where a Sluice process's memory goes, read from its own `/metrics` (prom-client's process and
 * heap gauges) every `everyMs`, keeping the sample taken at the highest RSS: the main isolate's
 * heap committed by space, memory outside the heap that V8 knows of (ArrayBuffers, Buffers), and
 * the rest of the RSS (native code and allocations: the Kafka client's queues, ONNX Runtime, the
 * worker threads' isolates, the binary itself).
 */
export interface MemoryBreakdown {
  rssMiB: number;
  /** Committed size of each V8 heap space of the main isolate. */
  heapSpacesMiB: Record<string, number>;
  externalMiB: number;
  /** RSS less the main heap's committed size and external memory. */
  restMiB: number;
}

const MiB = 1024 * 1024;

export class MemorySampler {
  peak: MemoryBreakdown | undefined;
  readonly #timer: NodeJS.Timeout;
  #busy = false;

  constructor(
    readonly port: number,
    everyMs = 250,
  ) {
    this.#timer = setInterval(() => void this.#sample(), everyMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #sample(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const text = await (await fetch(`http://127.0.0.1:${this.port}/metrics`)).text();
      const sample = parseBreakdown(text);
      if (sample && (this.peak === undefined || sample.rssMiB > this.peak.rssMiB)) this.peak = sample;
    } catch {
      // Not listening yet, or gone: the next tick tries again.
    } finally {
      this.#busy = false;
    }
  }
}

export function parseBreakdown(metrics: string): MemoryBreakdown | undefined {
  const value = (name: string) =>
    Number(new RegExp(`^sluice_${name} ([\\d.e+]+)$`, 'm').exec(metrics)?.[1] ?? Number.NaN);
  const rss = value('process_resident_memory_bytes');
  if (!Number.isFinite(rss)) return undefined;
  const heapSpacesMiB: Record<string, number> = {};
  let heap = 0;
  for (const m of metrics.matchAll(
    /^sluice_nodejs_heap_space_size_total_bytes\{space="([^"]+)"\} ([\d.e+]+)$/gm,
  )) {
    const bytes = Number(m[2]);
    heap += bytes;
    if (bytes > 0) heapSpacesMiB[m[1]!] = bytes / MiB;
  }
  const external = value('nodejs_external_memory_bytes');
  return {
    rssMiB: rss / MiB,
    heapSpacesMiB,
    externalMiB: external / MiB,
    restMiB: (rss - heap - external) / MiB,
  };
}
