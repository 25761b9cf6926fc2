// A topology reports a fatal error through `onFatal` from a promise callback. Thrown there it
// would be an unhandled rejection vitest cannot pin on any test, so the harnesses record it here
// instead, and the hooks at the bottom fail the test during which it was recorded. Importing this
// module (the harnesses do) is what installs them, once per test file: no test can forget to check.
import { afterAll, afterEach, expect } from 'vitest';

interface Recorded {
  error: unknown;
  /** The test running when it was recorded, if any (a beforeAll, or between tests, has none). */
  test: string | undefined;
}

/** Fatal errors reported by topologies the harnesses started; `startEmbeddedTopology` and `startKafkaTopology` record into it. */
export class FatalErrorLog {
  #recorded: Recorded[] = [];

  /** The `onFatal` callback the harnesses give a topology. */
  readonly onFatal = (error: unknown): void => {
    this.#recorded.push({ error, test: expect.getState().currentTestName });
  };

  /** Errors recorded and not yet checked or taken. */
  get errors(): readonly unknown[] {
    return this.#recorded.map((r) => r.error);
  }

  /** Removes and returns what was recorded: for a test that provokes a fatal error on purpose and asserts on it. */
  take(): unknown[] {
    return this.#recorded.splice(0).map((r) => r.error);
  }

  /** Throws one error naming every fatal error recorded since the last check, and forgets them. */
  check(when: string): void {
    const recorded = this.#recorded.splice(0);
    if (recorded.length === 0) return;
    const lines = recorded.map(
      ({ error, test }) =>
        `  - ${describeError(error)}${test === undefined ? '' : ` (recorded in "${test}")`}`,
    );
    throw new Error(
      `the topology reported ${recorded.length} fatal error(s) through onFatal ${when}:\n${lines.join('\n')}`,
      { cause: recorded[0]!.error },
    );
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`;
}

/** The one log of this test file; the hooks below check it. */
export const fatalErrors = new FatalErrorLog();

afterEach((context) => fatalErrors.check(`during "${context.task.name}"`));
// A topology stopped in an afterAll (or still running after the last test) can fail there too.
afterAll(() => fatalErrors.check('after the last test of the file'));
