#!/usr/bin/env -S node --max-semi-space-size=64
// `npx sluice …`: runs the TypeScript CLI through tsx's loader in a checkout (where a dist/ from an
// earlier build may be stale), or the compiled one where only dist/ ships. The young-generation
// size matches `npm start` (README, Benchmark): fewer scavenges of the records in flight.
import { existsSync } from 'node:fs';

const source = new URL('../app/cli.ts', import.meta.url);
const compiled = new URL('../dist/app/cli.js', import.meta.url);
if (!existsSync(source) && existsSync(compiled)) {
  const { runCli } = await import(compiled.href);
  await runCli(process.argv);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { runCli } = await import('../app/cli.ts');
  await runCli(process.argv);
}
