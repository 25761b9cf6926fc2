import { describe, expect, it, onTestFinished } from 'vitest';
import { startCli } from '../support/cli-process.ts';

const HIDE_CONFLUENT = ['--import', './tests/support/hide-confluent-client.ts'];

describe('a missing Confluent Kafka client', () => {
  it('exits 2 naming transport.kafka.client and the fix, before the feature store, model or port', async () => {
    const cli = startCli(
      ['start'],
      // Nothing listens on port 9: the check must not need a broker.
      { SLUICE_PORT: '0', KAFKA_BROKERS: '127.0.0.1:9', SLUICE_TRANSPORT__KAFKA__CLIENT: 'confluent' },
      { nodeArgs: HIDE_CONFLUENT },
    );
    onTestFinished(() => {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    });
    const code = await cli.exited;
    const output = cli.output();
    expect(code).toBe(2);
    expect(output).toContain('transport.kafka.client');
    expect(output).toContain('hidden by tests/support/hide-confluent-client.ts');
    expect(output).toContain('platformatic');
    expect(output).not.toContain('model loaded');
    expect(output).not.toContain('feature store ready');
    expect(output).not.toContain('live server listening');
    expect(output).not.toMatch(/^\s+at /m);
  });
});
