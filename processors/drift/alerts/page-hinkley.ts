/** Options of the Page–Hinkley detector, in units of the reference score's standard deviation. */
export interface PageHinkleyOptions {
  /** The reference std of the score (from the profile); the other two scale by it. */
  referenceStd: number;
  /** Shifts of the mean smaller than deltaSigma·σ are tolerated (default 0.25). */
  deltaSigma?: number;
  /** An alarm when the cumulative deviation exceeds lambdaSigma·σ (default 40). */
  lambdaSigma?: number;
  /** Events seen before any alarm (default 200). */
  minEvents?: number;
}

/**
 * A two-sided Page–Hinkley test on the score stream, for a fast mean shift between window closes:
 * with x̄ₜ the running mean, mₜ = Σ (xᵢ - x̄ᵢ - δ) and its minimum Mₜ detect an increase
 * (mₜ - Mₜ > λ), and the mirrored sums a decrease. O(1) per event and four numbers of state; after
 * an alarm it starts again. It runs per replica and is not merged.
 */
export class PageHinkley {
  readonly #delta: number;
  readonly #lambda: number;
  readonly #minEvents: number;
  #n = 0;
  #mean = 0;
  #up = 0;
  #upMin = 0;
  #down = 0;
  #downMax = 0;

  constructor(options: PageHinkleyOptions) {
    const sigma = Math.max(options.referenceStd, 1e-6);
    this.#delta = (options.deltaSigma ?? 0.25) * sigma;
    this.#lambda = (options.lambdaSigma ?? 40) * sigma;
    this.#minEvents = options.minEvents ?? 200;
  }

  /** Adds one score; returns the direction of an alarm it raises, else undefined. */
  add(x: number): 'increase' | 'decrease' | undefined {
    if (!Number.isFinite(x)) return undefined;
    this.#n++;
    this.#mean += (x - this.#mean) / this.#n;
    this.#up += x - this.#mean - this.#delta;
    this.#upMin = Math.min(this.#upMin, this.#up);
    this.#down += x - this.#mean + this.#delta;
    this.#downMax = Math.max(this.#downMax, this.#down);
    if (this.#n < this.#minEvents) return undefined;
    const alarm =
      this.#up - this.#upMin > this.#lambda
        ? 'increase'
        : this.#downMax - this.#down > this.#lambda
          ? 'decrease'
          : undefined;
    if (alarm) this.reset();
    return alarm;
  }

  reset(): void {
    this.#n = 0;
    this.#mean = 0;
    this.#up = 0;
    this.#upMin = 0;
    this.#down = 0;
    this.#downMax = 0;
  }
}
