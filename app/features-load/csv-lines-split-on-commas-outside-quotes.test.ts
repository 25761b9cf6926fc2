import { describe, expect, it } from 'vitest';
import { splitCsvLine } from './read-feature-file.ts';

describe('CSV lines', () => {
  it('split on commas outside quotes, with "" as an escaped quote, keeping empty cells', () => {
    expect(splitCsvLine('a,"b,c","say ""hi""",,e')).toEqual(['a', 'b,c', 'say "hi"', '', 'e']);
  });
});
