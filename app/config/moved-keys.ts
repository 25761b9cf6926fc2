import { MOVED_DECODE_KEYS } from '../../processors/decode/index.ts';

/** Keys of older configs that now live elsewhere: reported as unknown, with where they went. */
export const MOVED_KEYS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(MOVED_DECODE_KEYS).map(([key, place]) => [`decode.${key}`, place]),
);
