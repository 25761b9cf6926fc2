import type { TopologyTotals } from './topology-runtime.ts';

/** What `Topologies` needs of each runtime (a `TopologyRuntime` of any item type). */
export interface RunningTopology {
  readonly declaration: { readonly name: string };
  readonly totals: TopologyTotals;
  /** Its transactional producer's id under exactly-once; undefined otherwise. */
  readonly transactionalId?: string | undefined;
  start(): Promise<void>;
  stop(timeoutMs: number): Promise<{ drained: boolean }>;
  isConsuming(): boolean;
}

/**
 * Several topologies in one process, each with its own consumer group, in-flight bound and (under
 * exactly-once) transactional producer; their metrics share one registry, told apart by the
 * `topology` label. List them in feed order: a topology before the ones that consume its output.
 * They start in that order and stop in it too, so a topology that feeds another has delivered its
 * last outputs before the other drains.
 */
export class Topologies {
  readonly #runtimes: ReadonlyArray<RunningTopology>;

  constructor(runtimes: ReadonlyArray<RunningTopology>) {
    const names = new Set<string>();
    const transactionalIds = new Map<string, string>();
    for (const runtime of runtimes) {
      const { name } = runtime.declaration;
      if (names.has(name)) throw new Error(`two topologies are named "${name}"`);
      names.add(name);
      const id = runtime.transactionalId;
      if (id === undefined) continue;
      // Two producers with one transactional id fence each other: the second start would kill the first.
      const other = transactionalIds.get(id);
      if (other !== undefined)
        throw new Error(`topologies "${other}" and "${name}" share the transactional id "${id}"`);
      transactionalIds.set(id, name);
    }
    this.#runtimes = runtimes;
  }

  get runtimes(): ReadonlyArray<RunningTopology> {
    return this.#runtimes;
  }

  /** Starts each in feed order; if one fails to start, the ones already started are stopped. */
  async start(stopTimeoutMs = 5000): Promise<void> {
    const started: RunningTopology[] = [];
    for (const runtime of this.#runtimes) {
      try {
        await runtime.start();
      } catch (error) {
        for (const s of started) await s.stop(stopTimeoutMs).catch(() => undefined);
        throw error;
      }
      started.push(runtime);
    }
  }

  /** Ready only when every topology is (its consumer holds its assignment and polls succeed). */
  isConsuming(): boolean {
    return this.#runtimes.every((r) => r.isConsuming());
  }

  /** Stops each in feed order within one shared budget; drained only if every one drained. */
  async stop(timeoutMs: number): Promise<{ drained: boolean }> {
    const deadline = Date.now() + timeoutMs;
    let drained = true;
    for (const runtime of this.#runtimes) {
      const result = await runtime.stop(Math.max(0, deadline - Date.now()));
      drained &&= result.drained;
    }
    return { drained };
  }
}
