import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleCopy } from '../support/bundle-copy.ts';
import { runCliToExit } from '../support/cli-process.ts';

const run = (args: string[], env: Record<string, string> = {}) =>
  runCliToExit(args, { SLUICE_PORT: '0', ...env });

/** `sluice bundle validate` on a broken copy: exit 2, and the message names the file (and column). */
async function refused(dir: string, file: string, ...mentions: string[]): Promise<string> {
  const { code, output } = await run(['bundle', 'validate', dir]);
  expect(code, output).toBe(2);
  expect(output).toContain(join(dir, file));
  for (const text of mentions) expect(output).toContain(text);
  return output;
}

describe('sluice bundle validate', () => {
  it.each(['fraud', 'sensor'])(
    'passes the %s example, its golden vectors within 1e-5 on ONNX Runtime',
    async (name) => {
      const { code, output } = await run(['bundle', 'validate', `models/${name}`]);
      expect(code, output).toBe(0);
      expect(output).toMatch(/golden .*golden\.json: \d+ rows within 0\.00001 on ONNX Runtime/);
      expect(output.trim().endsWith('valid')).toBe(true);
    },
  );

  it('refuses a transform not in the set, naming the row file and the column', async () => {
    const dir = bundleCopy('sensor', {
      row: (r) => {
        r.columns[1].transform = 'sigmoid';
      },
    });
    await refused(dir, 'input-row.json', 'columns[1] "temperature_z": transform "sigmoid" is not one of');
  });

  it('refuses a field the event schema does not have', async () => {
    const dir = bundleCopy('sensor', {
      row: (r) => {
        r.columns[0].of = { field: 'temperature_f' };
      },
    });
    await refused(
      dir,
      'input-row.json',
      'columns[0] "temperature_c": field "temperature_f" is not in the event schema',
    );
  });

  it("refuses a store feature missing from the bundle's feature view", async () => {
    const dir = bundleCopy('sensor', {
      manifest: (m) => {
        delete m.featureView.fields.temp_std_24h;
      },
    });
    await refused(
      dir,
      'input-row.json',
      'columns[1] "temperature_z": store feature "temp_std_24h" is not in',
    );
  });

  it("refuses a row whose width is not the model's input width, naming the row file and its last column", async () => {
    const dir = bundleCopy('sensor', {
      row: (r) => {
        r.columns.pop();
      },
      manifest: (m) => {
        m.features.pop();
      },
    });
    await refused(
      dir,
      'input-row.json',
      'float32 [batch, 5]',
      'the last "pressure_ratio"',
      'model has inputs "features": float32 [dynamic, 6]',
    );
  });

  it("refuses an output kind the model's outputs cannot satisfy, naming the manifest", async () => {
    const dir = bundleCopy('sensor', {
      manifest: (m) => {
        m.kind = 'multiclass';
        m.classes = ['ok', 'worn', 'failing'];
      },
    });
    await refused(dir, 'manifest.json', 'output "anomaly_score": [batch, 3] (multiclass with 3 classes)');
    const binary = bundleCopy('fraud', {
      manifest: (m) => {
        m.positiveClassIndex = 2;
      },
    });
    await refused(binary, 'manifest.json', 'binary-classifier, positiveClassIndex 2');
  });

  it('refuses golden vectors the model no longer reproduces, naming the row', async () => {
    const dir = bundleCopy('sensor', {
      golden: (g) => {
        g.rows[3].outputs.anomaly_score += 0.001;
      },
    });
    await refused(dir, 'golden.json', 'rows[3]', '> 0.00001');
  });

  it('stops `sluice start` with exit 2 on the same mistakes, before anything opens', async () => {
    const dir = bundleCopy('fraud', {
      row: (r) => {
        r.columns[1].transform = 'sqrt';
      },
    });
    const { code, output } = await run(['start'], { SLUICE_MODEL__MANIFEST: join(dir, 'manifest.json') });
    expect(code, output).toBe(2);
    expect(output).toContain(`${join(dir, 'input-row.json')}: columns[1] "log_amount": transform "sqrt"`);
    expect(output).not.toContain('live server listening');
  });
});
