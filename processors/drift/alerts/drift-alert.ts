/**
 * An alert on the `alerts` topic (JSON, keyed by model) and the WebSocket `alerts` channel:
 * - `drift`: the dataset drifted in two consecutive windows (raised) or was clean in two (cleared);
 * - `score-drift`: the same for the model's score, which is judged apart from the dataset;
 * - `fast-shift`: one replica's Page–Hinkley detector saw the score's mean move between window closes.
 */
export interface DriftAlert {
  kind: 'drift' | 'score-drift' | 'fast-shift';
  state: 'raised' | 'cleared';
  model: string;
  modelVersion: string;
  /** The window whose close raised or cleared it (for `fast-shift`, the window the event fell in). */
  windowStart: number;
  windowEnd: number;
  /** `score` for score alerts; for `drift`, the drifting columns, comma-separated. */
  column: string;
  /** Set on `fast-shift`: the replica whose detector fired. */
  replica?: string;
  detail: string;
  /** When it was raised, epoch ms. */
  atMs: number;
}

export function encodeAlert(alert: DriftAlert): Buffer {
  return Buffer.from(JSON.stringify(alert));
}
