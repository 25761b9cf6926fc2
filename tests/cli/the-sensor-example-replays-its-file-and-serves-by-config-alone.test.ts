import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freePort, startCli } from '../support/cli-process.ts';
import { waitFor } from '../support/wait-for.ts';

interface Prediction {
  model: string;
  key: string;
  score: number;
  label: number | null;
  outputs: Record<string, number>;
}

function firstPredictions(url: string, count: number): Promise<Prediction[]> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const received: Prediction[] = [];
    socket.on('open', () => socket.send(JSON.stringify({ op: 'subscribe', channel: 'predictions' })));
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { channel?: string; data?: Prediction };
      if (message.channel !== 'predictions' || !message.data) return;
      received.push(message.data);
      if (received.length === count) {
        socket.close();
        resolve(received);
      }
    });
    socket.on('error', reject);
  });
}

describe('SLUICE_CONFIG=models/sensor/sluice.yaml npm start', () => {
  it("replays the example's readings, serves their anomaly scores on /ws and its score range on /model", async () => {
    const port = await freePort();
    const cli = startCli([], {
      SLUICE_CONFIG: 'models/sensor/sluice.yaml',
      SLUICE_PORT: String(port),
      SLUICE_GENERATOR__RATE_PER_SECOND: '1000',
    });
    try {
      await waitFor(() => cli.output().includes('sluice is running'), 30_000, 'startup to finish');
      expect(cli.output()).toContain('"file":"models/sensor/events.jsonl"');
      const predictions = await firstPredictions(`ws://127.0.0.1:${port}/ws`, 50);
      for (const p of predictions) {
        expect(p.model).toBe('sensor-anomaly');
        expect(p.key).toMatch(/^dev-\d{4}$/);
        expect(p.label).toBeNull();
        expect(p.outputs).toEqual({});
      }
      const model = (await (await fetch(`http://127.0.0.1:${port}/model`)).json()) as Record<string, unknown>;
      expect(model).toMatchObject({ name: 'sensor-anomaly', kind: 'regressor', scoreRange: [-0.2, 0.3] });
      const dashboard = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(dashboard).toContain("fetch('/model')");
    } finally {
      cli.child.kill('SIGTERM');
      const code = await cli.exited;
      expect(code, cli.output().slice(-2000)).toBe(0);
    }
    expect(cli.output()).toMatch(/"msg":"stopped"/);
  }, 60_000);
});
