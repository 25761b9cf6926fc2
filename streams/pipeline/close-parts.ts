import type { Logger } from '../../core/logger.ts';

/**
 * Closes a stopping topology's sinks and taps in order, each awaited: a part that fails to close
 * is logged and the rest still close, so one bad part never keeps the topology from stopping.
 */
export async function closeParts(
  parts: ReadonlyArray<{ readonly name: string; close?(): Promise<void> }>,
  logger: Logger,
): Promise<void> {
  for (const part of parts) {
    await part
      .close?.()
      .catch((error: unknown) =>
        logger.error(
          { err: error, part: part.name },
          'a sink or tap failed to close; the topology stops anyway',
        ),
      );
  }
}
