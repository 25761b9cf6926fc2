import { formatWithOptions } from 'node:util';

const BAR_WIDTH = 30;
const PLAIN_EVERY_MS = 2000;

/**
 * Progress of a long CLI task on stderr: a redrawn bar on a terminal, otherwise one plain line
 * every 2 s (logs and CI output stay readable).
 */
export function progressReporter(
  stream: NodeJS.WriteStream,
  what: string,
): { update(done: number, total: number, detail: string): void; finish(): void } {
  const tty = stream.isTTY === true;
  const started = Date.now();
  let lastPlain = 0;
  let drawn = false;
  return {
    update(done, total, detail) {
      const share = total > 0 ? Math.min(1, done / total) : 0;
      const percent = `${Math.floor(share * 100)}%`.padStart(4);
      if (tty) {
        const filled = Math.round(share * BAR_WIDTH);
        stream.write(
          `\r${what} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${percent} ${detail}\u001b[K`,
        );
        drawn = true;
      } else if (Date.now() - lastPlain >= PLAIN_EVERY_MS) {
        lastPlain = Date.now();
        stream.write(
          formatWithOptions(
            {},
            '%s: %s %s (%ds)\n',
            what,
            percent.trim(),
            detail,
            Math.round((Date.now() - started) / 1000),
          ),
        );
      }
    },
    finish() {
      if (drawn) stream.write('\n');
    },
  };
}
