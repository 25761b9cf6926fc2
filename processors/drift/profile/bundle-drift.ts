import type { DriftProfile } from './drift-profile.ts';

/** The column of a profile that holds the model's score. */
export const SCORE_COLUMN = 'score';

/**
 * A model bundle's drift reference, loaded (manifest field `drift`): the profile, and which of its
 * columns come from where. The drift tap watches every input-row column the profile has, the
 * score, and the named event fields; `loadModelBundle` checks that they all are in the profile.
 */
export interface BundleDrift {
  /** The manifest's `drift.profile`, resolved. */
  profilePath: string;
  profile: DriftProfile;
  /** Numeric event fields watched as they arrive (not through the row). */
  numericFields: readonly string[];
  /** Categorical (string or enum) event fields. */
  categoricalFields: readonly string[];
  critical: readonly string[];
}
