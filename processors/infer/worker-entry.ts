/** How to start the inference worker: the `Worker` constructor's first argument and its `eval` flag. */
export interface WorkerEntry {
  script: URL | string;
  eval: boolean;
}

/**
 * The worker file sits beside this module with the same extension: `.js` in dist/, `.ts` when
 * running from source (tsx, vitest). Node 20 cannot load `.ts` itself, and a loader given to the
 * parent does not reach worker threads: neither inheriting `--import tsx` through execArgv nor
 * passing it explicitly works on Node 20 (the worker fails with ERR_UNKNOWN_FILE_EXTENSION). So
 * from source the worker starts as a two-line ESM bootstrap that registers tsx inside the worker
 * (tsx's `esm/api`) and then imports the real entry. tsx is a runtime dependency, and dist/ never
 * takes this path.
 */
export function resolveWorkerEntry(baseName = 'infer-worker'): WorkerEntry {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`./${baseName}${fromSource ? '.ts' : '.js'}`, import.meta.url);
  if (!fromSource) return { script: url, eval: false };
  const tsxApi = import.meta.resolve('tsx/esm/api');
  return {
    script: `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`,
    eval: true,
  };
}
