"""Builds the sensor example bundle: synthetic readings, per-device features, an anomaly model.

    python3 -m pip install -r models/sensor/requirements.txt
    python3 models/sensor/train.py            # from the repository root; needs `npm ci` done

Writes, beside this file:

- device-features.jsonl: per-device rolling statistics (the memory store seed, and what
  `sluice features load --view device` loads into Redis);
- events.jsonl: example readings (about 2% anomalous) that `SLUICE_CONFIG=models/sensor/sluice.yaml
  npm start` replays and `sluice produce` publishes;
- data/ (not committed): the training readings and the training rows. The rows are written by
  `sluice training-data`, which runs the bundle's own compiled input row (input-row.json), the
  writer the server runs, so training and serving cannot drift apart;
- model.onnx: an IsolationForest, with its decision function negated into `anomaly_score`
  float32 [N, 1] (higher is more anomalous; about 0 at the learned boundary);
- golden.json: input rows with the anomaly scores onnxruntime gave here, and how far
  scikit-learn's own (float64) scores are from them;
- manifest.json: its provenance fields (trainedAt, training) are updated; the rest is the
  bundle's hand-written declaration.

Only the training needs Python; nothing at run time does.
"""

import datetime
import json
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime
import skl2onnx
import sklearn
from onnx import helper
from skl2onnx import to_onnx
from sklearn.ensemble import IsolationForest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SEED = 20261201
DEVICES = 120
SITES = ["plant-a", "plant-b", "plant-c"]
START_MS = 1_796_083_200_000  # 2026-12-01T00:00:00Z
TRAIN_READINGS = 40_000
EXAMPLE_READINGS = 3_000
TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}
GOLDEN_TOLERANCE = 1e-5
# Each tree is some 27 ONNX nodes (skl2onnx writes one TreeEnsembleRegressor per tree plus its
# path-length arithmetic), so the tree count sets the cost per row: 40 trees score about 1.6x as many
# rows per second as 100 (36,000 against 22,000 at batch 256 on the 2-core development machine) and
# still put every injected fault of the example readings above 0.
ESTIMATORS = 40


def devices(rng):
    out = []
    for i in range(DEVICES):
        out.append(
            {
                "device_id": f"dev-{i:04d}",
                "site": SITES[i % len(SITES)],
                "temp": rng.uniform(50, 80),
                "temp_sd": rng.uniform(1.5, 6),
                "vib": rng.uniform(1, 4),
                "vib_sd": rng.uniform(0.2, 1),
                "pressure": rng.uniform(600, 1100),
            }
        )
    return out


def feature_rows(rng, devs):
    """The store's view of each device: its statistics as a rolling window saw them (a little off)."""
    rows = []
    for i, d in enumerate(devs):
        if i % 40 == 39:
            continue  # a few devices the store has never seen: their readings use the bundle's defaults
        rows.append(
            {
                "key": d["device_id"],
                "temp_mean_24h": round(d["temp"] + rng.normal(0, 0.3), 3),
                "temp_std_24h": round(d["temp_sd"] * rng.uniform(0.9, 1.1), 3),
                "vib_mean_24h": round(d["vib"] + rng.normal(0, 0.05), 3),
                "vib_std_24h": round(d["vib_sd"] * rng.uniform(0.9, 1.1), 3),
                "pressure_mean_24h": round(d["pressure"] + rng.normal(0, 2), 2),
                "updated_at": START_MS,
            }
        )
    return rows


def readings(rng, devs, count, anomaly_rate, prefix):
    out = []
    for n in range(count):
        d = devs[rng.integers(len(devs))]
        t = START_MS + n * 1000
        hour = (t // 3_600_000) % 24
        daily = 1.5 * np.sin(2 * np.pi * hour / 24)
        temp = rng.normal(d["temp"] + daily, d["temp_sd"])
        vib = abs(rng.normal(d["vib"], d["vib_sd"]))
        pressure = rng.normal(d["pressure"], d["pressure"] * 0.02)
        anomalous = rng.random() < anomaly_rate
        if anomalous:
            kind = rng.integers(3)
            if kind == 0:
                temp += d["temp_sd"] * rng.uniform(4, 8)  # overheating bearing
            elif kind == 1:
                vib += d["vib_sd"] * rng.uniform(5, 10)  # loose mount
            else:
                pressure *= rng.uniform(0.5, 0.7)  # leak
        out.append(
            {
                "reading_id": f"{prefix}-{n:06d}",
                "device_id": d["device_id"],
                "event_time": int(t),
                "temperature_c": round(float(temp), 3),
                "vibration_mm_s": round(float(vib), 4),
                "pressure_kpa": round(float(pressure), 2),
                "site": d["site"],
                "is_anomaly": int(anomalous),
            }
        )
    return out


def write_jsonl(path, rows, drop=()):
    with open(path, "w") as handle:
        for row in rows:
            handle.write(json.dumps({k: v for k, v in row.items() if k not in drop}) + "\n")


def training_rows(events_path, out_path):
    """The rows the server would write, from `sluice training-data` (the bundle's compiled row)."""
    command = [
        "node", "--import", "tsx", os.path.join(ROOT, "app", "main.ts"), "training-data", events_path,
        "--manifest", os.path.join(HERE, "manifest.json"),
        "--schema", os.path.join(HERE, "sensor-reading.avsc"),
        "--features", os.path.join(HERE, "device-features.jsonl"),
        "--key-field", "device_id", "--label-field", "is_anomaly", "--out", out_path,
    ]
    subprocess.run(command, check=True, cwd=ROOT)
    with open(out_path) as handle:
        header = handle.readline().strip().split(",")
    data = np.loadtxt(out_path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    return header, data


def export(model, width):
    onx = to_onnx(
        model,
        np.zeros((1, width), dtype=np.float32),
        target_opset=TARGET_OPSET,
        initial_types=[("features", skl2onnx.common.data_types.FloatTensorType([None, width]))],
    )
    graph = onx.graph
    # The converter's `scores` is decision_function (higher is more normal); the bundle's score is its negation.
    graph.node.append(helper.make_node("Neg", ["scores"], ["anomaly_score"], name="negate_scores"))
    graph.output.append(helper.make_tensor_value_info("anomaly_score", onnx.TensorProto.FLOAT, [None, 1]))
    onnx.checker.check_model(onx)
    return onx


def main():
    rng = np.random.default_rng(SEED)
    devs = devices(rng)
    write_jsonl(os.path.join(HERE, "device-features.jsonl"), feature_rows(rng, devs))
    data_dir = os.path.join(HERE, "data")
    os.makedirs(data_dir, exist_ok=True)
    train_events = os.path.join(data_dir, "train-events.jsonl")
    write_jsonl(train_events, readings(rng, devs, TRAIN_READINGS, 0.01, "train"))
    example = readings(rng, devs, EXAMPLE_READINGS, 0.02, "r")
    write_jsonl(os.path.join(HERE, "events.jsonl"), example, drop=("is_anomaly",))
    example_events = os.path.join(data_dir, "example-events.jsonl")
    write_jsonl(example_events, example)

    header, data = training_rows(train_events, os.path.join(data_dir, "train.csv"))
    features, labels = header[:-1], data[:, -1]
    x = data[:, :-1].astype(np.float32)
    model = IsolationForest(n_estimators=ESTIMATORS, max_samples=256, contamination="auto", random_state=SEED)
    model.fit(x[labels == 0].astype(np.float64))

    onx = export(model, len(features))
    model_path = os.path.join(HERE, "model.onnx")
    with open(model_path, "wb") as handle:
        handle.write(onx.SerializeToString())
    session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])

    _, example_rows = training_rows(example_events, os.path.join(data_dir, "example.csv"))
    ex = example_rows[:, :-1].astype(np.float32)
    ort_scores = session.run(["anomaly_score"], {"features": ex})[0][:, 0]
    sk_scores = -model.decision_function(ex.astype(np.float64))
    detected = float(np.mean(ort_scores[example_rows[:, -1] == 1] > 0))
    false_alarms = float(np.mean(ort_scores[example_rows[:, -1] == 0] > 0))

    picks = list(range(0, len(ex), len(ex) // 48))[:48] + [int(i) for i in np.where(example_rows[:, -1] == 1)[0][:16]]
    edge = np.array(
        [
            [0] * len(features),  # all zeros
            [65, 0, 2.5, 0, 1, 0],  # a reading exactly at the defaults
            [400, 80, 200, 300, 5, 23],  # every field at its contract's maximum
            [-60, -30, 0, -4, 0, 12],  # the minimum temperature, no vibration, no pressure
        ],
        dtype=np.float32,
    )
    golden_inputs = np.concatenate([ex[picks], edge])
    notes = [f"example reading {i} (anomalous: {int(example_rows[i, -1])})" for i in picks] + [
        "all zeros",
        "a reading exactly at the store defaults",
        "every field at its contract maximum",
        "minimum temperature, no vibration, no pressure",
    ]
    golden_ort = session.run(["anomaly_score"], {"features": golden_inputs})[0][:, 0]
    golden_sk = -model.decision_function(golden_inputs.astype(np.float64))
    golden = {
        "model": "sensor-anomaly",
        "features": features,
        "output": "anomaly_score",
        "tolerance": GOLDEN_TOLERANCE,
        "reference": f"onnxruntime {onnxruntime.__version__} (Python) on the exported model.onnx",
        "sklearnMaxAbsDifference": float(np.max(np.abs(golden_sk - golden_ort))),
        "sklearnNote": "scikit-learn's -decision_function in float64; the ONNX trees compare float32 thresholds, so a value at a split can fall the other way",
        "rows": [
            {"note": note, "input": [float(v) for v in row], "outputs": {"anomaly_score": float(score)}}
            for note, row, score in zip(notes, golden_inputs, golden_ort)
        ],
    }
    with open(os.path.join(HERE, "golden.json"), "w") as handle:
        json.dump(golden, handle, indent=1)
        handle.write("\n")

    manifest_path = os.path.join(HERE, "manifest.json")
    with open(manifest_path) as handle:
        manifest = json.load(handle)
    manifest["trainedAt"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    manifest["training"] = {
        "readings": TRAIN_READINGS,
        "devices": DEVICES,
        "seed": SEED,
        "detectedShare": round(detected, 4),
        "falseAlarmShare": round(false_alarms, 4),
        "sklearn": sklearn.__version__,
        "skl2onnx": skl2onnx.__version__,
        "opset": TARGET_OPSET[""],
    }
    with open(manifest_path, "w") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")
    print(
        f"sensor model: {len(features)} features; on the example readings {detected:.1%} of anomalies "
        f"score above 0, {false_alarms:.1%} of normal readings do; sklearn vs onnxruntime max "
        f"|diff| {golden['sklearnMaxAbsDifference']:.2e}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
