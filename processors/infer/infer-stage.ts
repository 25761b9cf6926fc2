import { errorMessage, RecordError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { retry } from '../../core/retry.ts';
import type { BatchStage } from '../../streams/pipeline/index.ts';
import type { ScoringItem } from '../scoring-item.ts';
import type { ModelOutput } from './model-manifest.ts';
import type { FeatureVector, Scorer } from './scorer.ts';

// Inference is tried three more times, after which the batch becomes dead letters.
const INFER_RETRY = { retries: 3, initialDelayMs: 50, maxDelayMs: 1000, factor: 2, jitter: 0.2 };

/**
 * The `infer` stage: writes each item's input row into one matrix, scores the batch on the
 * scorer (a worker thread), and stamps each item with its score, its label at the model's
 * decision threshold, and the model name and version that scored it, read when the batch is scored, so a model swapped between batches shows
 * on exactly the predictions it made. A batch whose inference still fails after retries has every
 * item marked SLUICE_INFER_FAILED (dead letters), and the topology goes on.
 */
export function inferStage(scorer: Scorer, vector: FeatureVector): BatchStage<ScoringItem> {
  let logger: Logger | undefined;
  return {
    id: 'infer',
    open(context) {
      logger = context.logger;
    },
    async process(items) {
      const matrix = new Float32Array(items.length * vector.width);
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        vector.write(item.event, item.features, matrix, i * vector.width);
        item.row = matrix.subarray(i * vector.width, (i + 1) * vector.width);
      }
      const model = scorer.model;
      const version = scorer.version;
      const kind: ModelOutput = scorer.outputKind ?? {
        kind: 'binary-classifier',
        positiveClassIndex: 1,
        decisionThreshold: scorer.decisionThreshold,
      };
      let scores: Float32Array;
      try {
        // The scorer takes its buffer (a worker transfer detaches it): each attempt gets a copy,
        // so the items' rows (the drift tap reads them) and a retry still have theirs.
        scores = await retry(() => scorer.infer(matrix.slice(), items.length), INFER_RETRY);
      } catch (error) {
        logger?.error(
          { err: error, rows: items.length },
          'inference failed; routing the batch to the dead-letter topic',
        );
        const failure = new RecordError(
          'infer',
          'SLUICE_INFER_FAILED',
          `inference failed: ${errorMessage(error)}`,
          {
            cause: error,
          },
        );
        for (const item of items) item.error = failure;
        return;
      }
      const now = Date.now();
      stampOutputs(items, scores, kind);
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        item.model = model;
        item.modelVersion = version;
        item.inferenceTimeMs = now;
      }
    },
  };
}

/** Each item's score, label and named outputs, as the model's kind defines them. */
function stampOutputs(items: ScoringItem[], values: Float32Array, kind: ModelOutput): void {
  switch (kind.kind) {
    case 'binary-classifier': {
      const threshold = kind.decisionThreshold;
      for (let i = 0; i < items.length; i++) {
        const score = values[i]!;
        items[i]!.score = score;
        items[i]!.label = score >= threshold ? 1 : 0;
      }
      return;
    }
    case 'regressor':
      for (let i = 0; i < items.length; i++) items[i]!.score = values[i]!;
      return;
    case 'multiclass': {
      const classes = kind.classes;
      const width = classes.length;
      for (let i = 0; i < items.length; i++) {
        const outputs: Record<string, number> = {};
        let best = 0;
        for (let c = 0; c < width; c++) {
          const p = values[i * width + c]!;
          outputs[classes[c]!] = p;
          if (p > values[i * width + best]!) best = c;
        }
        const item = items[i]!;
        item.score = values[i * width + best]!;
        item.label = best;
        item.outputs = outputs;
      }
    }
  }
}
