#!/usr/bin/env node
// `npx sluice …`: runs the TypeScript CLI through tsx's loader, or the compiled one when built.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/app/cli.js', import.meta.url);
if (existsSync(compiled)) {
  const { runCli } = await import(compiled.href);
  await runCli(process.argv);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { runCli } = await import('../app/cli.ts');
  await runCli(process.argv);
}
