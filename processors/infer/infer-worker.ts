/**
 * Worker-thread entry of InferencePool. ONNX Runtime's `run` blocks the thread it runs on, so
 * the session lives here and the main event loop stays free. Requests are queued and run one at
 * a time, in arrival order; each result carries its request id.
 *
 * The worker always ends itself (on `close`), between runs: `Worker.terminate()` while the
 * onnxruntime-node binding is inside `run` makes it throw a C++ Napi::Error that nothing catches,
 * and that aborts the whole process (seen with onnxruntime-node 1.30 on Node 20).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage, SluiceError } from '../../core/errors.ts';
import { type LoadedModel, loadModelSession } from './load-session.ts';
import type { FromWorkerMessage, ToWorkerMessage, WorkerInit } from './worker-protocol.ts';

type InferRequest = Extract<ToWorkerMessage, { type: 'infer' }>;

/** Exit code of the test-only crash, so a test's crash is recognisable in logs. */
const TEST_CRASH_EXIT_CODE = 70;

const port = parentPort;
if (port === null) throw new Error('infer-worker.ts must run as a worker thread (InferencePool starts it)');
const init = workerData as WorkerInit;
const queue: InferRequest[] = [];
let model: LoadedModel | undefined;
let loading = true;
let draining = false;
let closing = false;
let crashOnNextInfer = false;

function post(message: FromWorkerMessage, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

async function drain(): Promise<void> {
  if (draining || model === undefined) return;
  draining = true;
  try {
    for (let request = queue.shift(); request !== undefined && !closing; request = queue.shift()) {
      if (crashOnNextInfer) process.exit(TEST_CRASH_EXIT_CODE);
      try {
        const scores = await model.score(request.features, request.rows);
        post({ type: 'result', id: request.id, scores }, [scores.buffer as ArrayBuffer]);
      } catch (error) {
        post({ type: 'failed', id: request.id, message: errorMessage(error) });
      }
    }
  } finally {
    draining = false;
  }
  if (closing) await exitQuietly();
}

/** Ends the thread once no native call is running: after the load, and between runs. */
async function exitQuietly(): Promise<void> {
  if (loading || draining) return; // whoever is busy calls again when done
  await model?.release().catch(() => undefined);
  model = undefined;
  process.exit(0);
}

port.on('message', (message: ToWorkerMessage) => {
  switch (message.type) {
    case 'close':
      closing = true;
      queue.length = 0;
      void exitQuietly();
      return;
    case 'crash-on-next-infer':
      crashOnNextInfer = true;
      return;
    case 'infer':
      queue.push(message);
      void drain();
  }
});

try {
  model = await loadModelSession(init);
  if (!closing) {
    post({
      type: 'ready',
      provider: model.provider,
      fallbacks: model.fallbacks,
      loadMs: model.loadMs,
      warmupMs: model.warmupMs,
    });
  }
} catch (error) {
  const code = error instanceof SluiceError ? error.code : 'SLUICE_MODEL_LOAD_FAILED';
  post({ type: 'load-failed', code, message: errorMessage(error) });
} finally {
  loading = false;
}
if (closing) await exitQuietly();
else void drain();
