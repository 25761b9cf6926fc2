import { describe, expect, it } from 'vitest';
import { compileValidatorsLazily } from './lazy-validators.ts';

// Runs in its own module graph (vitest isolates files), so the patch precedes the client's import.
describe('compileValidatorsLazily', () => {
  it('leaves the client validating what it validates, compiled on first use', async () => {
    await compileValidatorsLazily();
    const { Producer, ajv } = (await import('@platformatic/kafka')) as unknown as {
      Producer: new (options: Record<string, unknown>) => { close(): Promise<void> };
      ajv: { compile: (schema: unknown) => ((data: unknown) => boolean) & { errors?: unknown } };
    };
    const validate = ajv.compile({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] });
    expect(validate({ n: 1 })).toBe(true);
    expect(validate.errors).toBeNull();
    expect(validate({ n: 'one' })).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain('/n');

    expect(
      () => new Producer({ clientId: 'c', bootstrapBrokers: ['127.0.0.1:1'], strict: true, acks: 'all' }),
    ).toThrow(/acks/);
    const producer = new Producer({
      clientId: 'c',
      bootstrapBrokers: ['127.0.0.1:1'],
      strict: true,
      acks: -1,
    });
    await producer.close();
  });
});
