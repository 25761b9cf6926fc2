import { describe, expect, it } from 'vitest';
import { propagatedTraceparent } from './trace-context.ts';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('a traceparent is carried on only when it is valid W3C Trace Context', () => {
  it('carries a valid version-00 traceparent as it is', () => {
    expect(propagatedTraceparent(Buffer.from(VALID))?.toString()).toBe(VALID);
  });

  it('carries a later version as version 00 of its first four fields', () => {
    const future = `cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-${'x'.repeat(300)}`;
    expect(propagatedTraceparent(Buffer.from(future))?.toString()).toBe(VALID);
  });

  const invalid: Array<[string, string | Buffer]> = [
    ['400 bytes of garbage', Buffer.alloc(400, 0x41)],
    ['empty', ''],
    ['too short', VALID.slice(0, 54)],
    ['version 00 with a suffix', `${VALID}-extra`],
    ['upper-case hex', VALID.toUpperCase()],
    ['version ff', `ff${VALID.slice(2)}`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero parent id', `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`],
    [
      'a later version without a dash after the flags',
      `cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x`,
    ],
    ['a missing dash', VALID.replace(/-/g, '_')],
    ['non-hex flags', `${VALID.slice(0, 53)}zz`],
    [
      'non-UTF-8 bytes',
      Buffer.concat([Buffer.from(VALID.slice(0, 50)), Buffer.from([0xff, 0xfe, 0xfd, 0xfc, 0xfb])]),
    ],
  ];
  for (const [what, value] of invalid) {
    it(`ignores ${what}`, () => {
      expect(propagatedTraceparent(Buffer.from(value))).toBeNull();
    });
  }
});
