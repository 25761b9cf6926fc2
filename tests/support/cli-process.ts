import { type ChildProcess, spawn } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { freePort } from '../../core/free-port.ts';

/** Node flags put before the entry, e.g. `['--import', './tests/support/hide-confluent-client.ts']`. */
export interface CliProcessOptions {
  nodeArgs?: string[];
}

/** The real CLI entry (`npm start` runs the same command) as a child process. */
export function startCli(
  args: string[],
  env: Record<string, string>,
  options: CliProcessOptions = {},
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const nodeArgs = ['--import', 'tsx', ...(options.nodeArgs ?? [])];
  const child = spawn(process.execPath, [...nodeArgs, 'app/main.ts', ...args], {
    env: { ...withoutServiceSettings(process.env), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/**
 * Runs the CLI to its exit and returns its code and output. A command the CLI wrongly accepts
 * (a server that starts) would run until killed: it is killed when the test ends.
 */
export async function runCliToExit(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const cli = startCli(args, env);
  onTestFinished(() => {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  });
  const code = await cli.exited;
  return { code, output: cli.output() };
}

/**
 * The test runner's environment minus what selects services or config (`npm test` exports
 * KAFKA_BROKERS and REDIS_URL): a child gets only the settings its test passes explicitly.
 */
function withoutServiceSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('SLUICE_') || name.startsWith('KAFKA_') || name.startsWith('REDIS_')) continue;
    out[name] = value;
  }
  return out;
}

export { freePort };
