import { readFileSync } from 'node:fs';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { ConfigError, errorMessage } from '../../core/errors.ts';
import { loadModelBundle, type ModelBundle } from './model-bundle.ts';
import { checkModelSignature, expectedSignatureOf, resultWidth } from './model-signature.ts';

/** One golden row: the model's input and what the training script got for it. */
interface GoldenRow {
  note?: string;
  input: number[];
  /** A classifier's probabilities per class. */
  probabilities?: number[];
  /** Named outputs: the manifest's `output` holds a regressor's value (or a class's probabilities). */
  outputs?: Record<string, number | number[]>;
}

interface GoldenFile {
  tolerance?: number;
  rows: GoldenRow[];
}

/** What `sluice bundle validate` found: the bundle's figures, for its report. */
export interface BundleReport {
  bundle: ModelBundle;
  provider: string;
  goldenRows: number;
  tolerance: number;
  maxDifference: number;
}

function fail(file: string, message: string, subject = file): never {
  throw new ConfigError('SLUICE_CONFIG_INVALID', `${file}: ${message}`, { subject });
}

/**
 * Every check a bundle must pass, without starting the pipeline: the manifest, the input row
 * against the event schema and the feature view, the ONNX model's input width and output against
 * the row and the output kind, and the golden vectors run on ONNX Runtime within their tolerance
 * (at most 1e-5). The first problem is a ConfigError naming the file and the field or column.
 */
export async function validateBundle(manifestPath: string, eventSchemaPath?: string): Promise<BundleReport> {
  const probe = loadModelBundle(manifestPath, {}, { modelFile: false, rowCheck: false });
  const schemaPath = eventSchemaPath ?? probe.manifest.eventSchemaPath;
  if (!schemaPath)
    fail(
      probe.manifest.manifestPath,
      'field "eventSchema": name the .avsc of the events the row reads (or pass --schema)',
    );
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  } catch (error) {
    fail(schemaPath, `is not a readable Avro schema: ${errorMessage(error)}`);
  }
  const bundle = loadModelBundle(manifestPath, schema);
  const { manifest } = bundle;

  const session = await InferenceSession.create(manifest.modelPath, { executionProviders: ['cpu'] });
  try {
    // The row was checked to write exactly the manifest's features, so the manifest's width is the row's.
    checkModelSignature(expectedSignatureOf(manifest), session);
    return { bundle, provider: 'cpu', ...(await checkGolden(bundle, session)) };
  } finally {
    await session.release();
  }
}

async function checkGolden(
  bundle: ModelBundle,
  session: InferenceSession,
): Promise<{ goldenRows: number; tolerance: number; maxDifference: number }> {
  const { manifest, row, output } = bundle;
  const file = manifest.goldenPath;
  let golden: GoldenFile;
  try {
    golden = JSON.parse(readFileSync(file, 'utf8')) as GoldenFile;
  } catch (error) {
    fail(
      file,
      `the golden vectors cannot be read: ${errorMessage(error)} (field "golden" of ${manifest.manifestPath})`,
    );
  }
  if (!Array.isArray(golden.rows) || golden.rows.length === 0)
    fail(file, '"rows" must list at least one input');
  const tolerance = Math.min(golden.tolerance ?? 1e-5, 1e-5);
  const width = resultWidth(output);
  const inputs = new Float32Array(golden.rows.length * row.width);
  const wanted: number[] = [];
  golden.rows.forEach((r, i) => {
    if (!Array.isArray(r.input) || r.input.length !== row.width)
      fail(
        file,
        `rows[${i}]: "input" must hold ${row.width} numbers (the columns of ${manifest.inputRowPath})`,
      );
    inputs.set(r.input, i * row.width);
    const want = expectedOf(r, bundle);
    if (want === undefined || want.length !== width)
      fail(
        file,
        `rows[${i}]: no ${width === 1 ? 'value' : `${width} values`} of output "${manifest.output}" to compare with`,
      );
    wanted.push(...want);
  });
  const results = await session.run(
    { [manifest.input]: new Tensor('float32', inputs, [golden.rows.length, row.width]) },
    [manifest.output],
  );
  const data = results[manifest.output]!.data as Float32Array | Float64Array;
  const classes = data.length / golden.rows.length;
  let maxDifference = 0;
  golden.rows.forEach((r, i) => {
    for (let k = 0; k < width; k++) {
      const got =
        output.kind === 'binary-classifier'
          ? data[i * classes + output.positiveClassIndex]!
          : data[i * classes + k]!;
      const difference = Math.abs(got - wanted[i * width + k]!);
      maxDifference = Math.max(maxDifference, difference);
      if (!(difference <= tolerance))
        fail(
          file,
          `rows[${i}]${r.note ? ` (${r.note})` : ''}: ONNX Runtime gives ${got}, the golden file ${wanted[i * width + k]} (|difference| ${difference.toExponential(2)} > ${tolerance})`,
        );
    }
  });
  return { goldenRows: golden.rows.length, tolerance, maxDifference };
}

/** The values a golden row holds for what the infer stage reads of the output. */
function expectedOf(r: GoldenRow, bundle: ModelBundle): number[] | undefined {
  const { output, manifest } = bundle;
  const named = r.outputs?.[manifest.output];
  const values = named === undefined ? r.probabilities : typeof named === 'number' ? [named] : named;
  if (!values) return undefined;
  if (output.kind === 'binary-classifier') {
    const p = values[output.positiveClassIndex];
    return p === undefined ? undefined : [p];
  }
  return values;
}
