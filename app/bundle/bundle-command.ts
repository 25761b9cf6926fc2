import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command } from 'commander';
import { validateBundle } from '../../processors/infer/validate-bundle.ts';

/** A bundle folder names its manifest.json; a file is taken as the manifest itself. */
function manifestOf(target: string): string {
  return existsSync(target) && statSync(target).isDirectory() ? join(target, 'manifest.json') : target;
}

/** `sluice bundle validate <dir>`: every check the pipeline makes of a bundle at load, golden vectors included. */
export function bundleCommand(): Command {
  const bundle = new Command('bundle').description(
    'model bundles: a folder with manifest.json, model, row, golden vectors',
  );
  bundle
    .command('validate <dir>')
    .description('check a bundle as the pipeline loads it, and run its golden vectors on ONNX Runtime')
    .option('--schema <file.avsc>', "the events' schema (default: the manifest's eventSchema)")
    .action(async (dir: string, options: { schema?: string }) => {
      const report = await validateBundle(manifestOf(dir), options.schema);
      const { manifest, row, featureView, featureViewName, output } = report.bundle;
      const at = (path: string) => relative(process.cwd(), path) || path;
      const kind =
        output.kind === 'binary-classifier'
          ? `binary-classifier, threshold ${output.decisionThreshold}`
          : output.kind === 'multiclass'
            ? `multiclass: ${output.classes.join(', ')}`
            : 'regressor';
      const lines = [
        `bundle ${at(manifest.manifestPath)}: ${manifest.name} v${manifest.version} (${kind}; score range [${manifest.scoreRange.join(', ')}])`,
        `  input row ${at(manifest.inputRowPath!)}: ${row.width} columns (${row.names.join(', ')})`,
        `  feature view ${featureViewName === undefined ? '(none)' : `"${featureViewName}"`}: ${featureView.names.length} store features`,
        `  model ${at(manifest.modelPath)}: input "${manifest.input}" [batch, ${row.width}], output "${manifest.output}" fit`,
        `  golden ${at(manifest.goldenPath)}: ${report.goldenRows} rows within ${report.tolerance} on ONNX Runtime (${report.provider}); max |difference| ${report.maxDifference.toExponential(2)}`,
        'valid',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  return bundle;
}
