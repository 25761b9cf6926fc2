/**
 * Preloaded with `node --import ./tests/support/hide-confluent-client.ts`: makes
 * `@confluentinc/kafka-javascript` unresolvable, as on a machine where the optional native
 * dependency was not installed, whether or not this checkout has it. Test support only.
 */
import { register } from 'node:module';

const hooks = `
export async function resolve(specifier, context, nextResolve) {
  if (specifier === '@confluentinc/kafka-javascript' || specifier.startsWith('@confluentinc/kafka-javascript/')) {
    const error = new Error("Cannot find package '" + specifier + "' (hidden by tests/support/hide-confluent-client.ts)");
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return nextResolve(specifier, context);
}
`;

register(`data:text/javascript,${encodeURIComponent(hooks)}`);
