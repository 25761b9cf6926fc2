/** What one window's close did to the alert. */
export type AlertTransition = 'raised' | 'cleared' | undefined;

/**
 * Raises the drift alert at the close of the second consecutive drifting window and clears it
 * after two consecutive clean ones, so a single noisy window neither raises nor clears it (no
 * flapping). A window that decided nothing (fewer events than the minimum) leaves the count as it is.
 */
export class DriftAlertHysteresis {
  readonly #windows: number;
  #active = false;
  #streak = 0;

  constructor(windows = 2) {
    this.#windows = windows;
  }

  get active(): boolean {
    return this.#active;
  }

  /** The verdict of a closed window: drifted, clean, or undefined when it decided nothing. */
  onWindow(drifted: boolean | undefined): AlertTransition {
    if (drifted === undefined) return undefined;
    // The streak counts windows that argue for a change of state.
    if (drifted !== this.#active) this.#streak++;
    else this.#streak = 0;
    if (this.#streak < this.#windows) return undefined;
    this.#active = drifted;
    this.#streak = 0;
    return drifted ? 'raised' : 'cleared';
  }
}
