"""Trains the example fraud model and exports it for the Node pipeline.

    python3 -m pip install -r models/fraud/requirements.txt
    npm run generate:training
    python3 models/fraud/train.py [--data models/fraud/data/train.csv] [--out-dir models/fraud]

Reads the CSV that app/training-data/write-fraud-training-data.ts wrote (its columns are the
bundle's input row, models/fraud/input-row.json, written by the same compiled writer the server
runs, and listed again in train.meta.json), trains
StandardScaler + MLPClassifier(64, 32), prints the holdout AUC, and writes:

- model.onnx: input `features` float32 [N, 12]; outputs `label` int64 [N] and
  `probabilities` float32 [N, 2] (no ZipMap, so Node reads a plain tensor);
- drift-profile.json: the drift reference profile, written by `npx sluice drift profile` from a
  reference CSV (data dir, `train.reference.csv`, not committed): every training row's 12 features,
  its `score` (probabilities[:, 1] of model.onnx run by onnxruntime on the float32 row, exactly
  what the server computes) and its event fields (`train.events.csv`: merchant_category, channel,
  country);
- manifest.json: its training fields (trainedAt, auc, training), `calibration` (the expected
  calibration error of the holdout scores over 10 equal-width bins) and `drift` (the profile and
  the watched event fields, kept as they are when already there); the rest is the bundle's
  declaration;
- golden.json: input rows with their probabilities, which the Node golden test compares to
  ONNX Runtime's output within 1e-5.

Only the training needs Python (and Node, for the profile); nothing at run time does.
"""

import argparse
import csv
import datetime
import json
import os
import subprocess

import numpy as np
import onnx
import onnxruntime
import skl2onnx
import sklearn
from skl2onnx import to_onnx
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
RANDOM_STATE = 7
# onnxruntime-node 1.30 runs opsets far newer than this; 17 keeps the file loadable by older
# runtimes too (a GPU image may pin an older onnxruntime).
TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}
GOLDEN_HOLDOUT_POSITIVES = 16
GOLDEN_HOLDOUT_NEGATIVES = 39
GOLDEN_TOLERANCE = 1e-5
CALIBRATION_BINS = 10
SCORE_COLUMN = "score"
EVENT_FIELDS = ["merchant_category", "channel", "country"]
PROFILE_FILE = "drift-profile.json"
PROFILE_SEED = 42


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.path.join(HERE, "data", "train.csv"))
    parser.add_argument("--out-dir", default=HERE)
    return parser.parse_args()


def load_csv(path):
    with open(path, newline="") as handle:
        header = next(csv.reader(handle))
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    return header, data


def load_golden_edges(path, features):
    """Edge rows the TS writer built with writeFeatureVector, plus an all-zeros row."""
    notes, rows = ["all zeros"], [[0.0] * len(features)]
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if header[1:] != features:
            raise SystemExit(f"{path}: columns {header[1:]} differ from the training columns {features}")
        for record in reader:
            notes.append(record[0])
            rows.append([float(v) for v in record[1:]])
    return notes, np.asarray(rows, dtype=np.float64)


def load_event_fields(path, rows):
    """The event fields of each training row (train.events.csv), row-aligned with the training CSV."""
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if header != EVENT_FIELDS:
            raise SystemExit(f"{path}: header {header} is not {EVENT_FIELDS}")
        records = list(reader)
    if len(records) != rows:
        raise SystemExit(f"{path}: {len(records)} rows, the training CSV has {rows}; regenerate both")
    return records


def onnx_scores(model_path, x):
    """probabilities[:, 1] of the exported model on float32 rows: what the server computes."""
    session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    (probabilities,) = session.run(["probabilities"], {"features": x.astype(np.float32)})
    return probabilities[:, 1]


def expected_calibration_error(y, p, bins):
    """Sum over equal-width bins of [0, 1] of (n_b / N) * |mean(y in b) - mean(p in b)|; p = 1 is in the last bin."""
    p = np.asarray(p, dtype=np.float64)
    which = np.minimum((p * bins).astype(np.int64), bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            ece += mask.mean() * abs(y[mask].mean() - p[mask].mean())
    return float(ece)


def exact(value):
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def write_reference_csv(path, features, x, scores, events):
    """The profile's input: the float32 features, the ONNX score and the event fields of every row."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(features + [SCORE_COLUMN] + EVENT_FIELDS)
        for row, score, fields in zip(x.astype(np.float32), scores, events):
            # The exact double of each float32 (what Node reads from a Float32Array), not a rounding.
            writer.writerow([exact(v) for v in row] + [exact(score)] + fields)


def write_drift_profile(reference_path, profile_path, features):
    command = [
        "npx", "sluice", "drift", "profile",
        "--input", reference_path,
        "--out", profile_path,
        "--numeric", ",".join(features + [SCORE_COLUMN]),
        "--categorical", ",".join(EVENT_FIELDS),
        "--seed", str(PROFILE_SEED),
    ]
    result = subprocess.run(command, cwd=REPO_ROOT)
    if result.returncode != 0:
        raise SystemExit(f"`{' '.join(command)}` failed with exit status {result.returncode}")


def main():
    args = parse_args()
    data_dir = os.path.dirname(os.path.abspath(args.data))
    meta_path = os.path.splitext(args.data)[0] + ".meta.json"
    with open(meta_path) as handle:
        meta = json.load(handle)
    features = list(meta["features"])

    header, data = load_csv(args.data)
    if header != features + ["label"]:
        raise SystemExit(f"{args.data}: header {header} is not {features} + ['label'] from {meta_path}")
    # The model sees float32 (ONNX input type); train on the same values it will be served.
    x = data[:, :-1].astype(np.float32).astype(np.float64)
    y = data[:, -1].astype(np.int64)
    print(f"{len(y)} rows, fraud rate {y.mean():.4f}")
    events_path = os.path.join(data_dir, meta.get("eventsCsv", "train.events.csv"))
    events = load_event_fields(events_path, len(y))

    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, stratify=y, random_state=RANDOM_STATE
    )
    clf = MLPClassifier(
        hidden_layer_sizes=(64, 32),
        early_stopping=True,
        max_iter=200,
        random_state=RANDOM_STATE,
    )
    model = Pipeline([("scaler", StandardScaler()), ("mlp", clf)])
    model.fit(x_train, y_train)
    auc = float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]))
    print(f"holdout AUC {auc:.4f} ({len(y_test)} rows, {clf.n_iter_} epochs)")

    onx = to_onnx(
        model,
        initial_types=[("features", skl2onnx.common.data_types.FloatTensorType([None, len(features)]))],
        options={id(clf): {"zipmap": False}},
        target_opset=TARGET_OPSET,
    )
    onnx.checker.check_model(onx)
    out_dir = os.path.abspath(args.out_dir)
    os.makedirs(out_dir, exist_ok=True)
    model_path = os.path.join(out_dir, "model.onnx")
    with open(model_path, "wb") as handle:
        handle.write(onx.SerializeToString())

    # The manifest is the bundle's declaration (kind, feature view, input row, event schema): only
    # what training decides is written here, the rest is kept as it is.
    manifest_path = os.path.join(out_dir, "manifest.json")
    with open(manifest_path) as handle:
        manifest = json.load(handle)
    if manifest["features"] != features:
        raise SystemExit(f"the training columns {features} are not the manifest's features {manifest['features']}")
    # A manifest that already declares `drift` keeps it (its profile file and watched fields).
    manifest.setdefault(
        "drift",
        {
            "profile": PROFILE_FILE,
            "eventFields": {"numeric": [], "categorical": EVENT_FIELDS},
            # The model's main signals: either drifting alone makes the dataset drift.
            "critical": ["amount", "merchant_category"],
        },
    )

    # The drift reference: every training row as the server scores it (ONNX Runtime, float32).
    scores = onnx_scores(model_path, x)
    reference_path = os.path.join(data_dir, "train.reference.csv")
    write_reference_csv(reference_path, features, x, scores, events)
    profile_path = os.path.join(out_dir, manifest["drift"]["profile"])
    write_drift_profile(reference_path, profile_path, features)

    # Calibration on the holdout, with the served (ONNX) scores.
    ece = expected_calibration_error(y_test, onnx_scores(model_path, x_test), CALIBRATION_BINS)
    print(f"holdout ECE {ece:.6f} ({CALIBRATION_BINS} bins, {len(y_test)} rows)")
    manifest["trainedAt"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    manifest["auc"] = round(auc, 6)
    manifest["training"] = {
        "rows": int(len(y)),
        "seed": meta["seed"],
        "users": meta["users"],
        "sklearn": sklearn.__version__,
        "skl2onnx": skl2onnx.__version__,
        "opset": TARGET_OPSET[""],
    }
    manifest["calibration"] = {"ece": round(ece, 6), "bins": CALIBRATION_BINS, "heldOutRows": int(len(y_test))}
    with open(os.path.join(out_dir, "manifest.json"), "w") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")

    rng = np.random.default_rng(RANDOM_STATE)
    positives = rng.choice(np.flatnonzero(y_test == 1), GOLDEN_HOLDOUT_POSITIVES, replace=False)
    negatives = rng.choice(np.flatnonzero(y_test == 0), GOLDEN_HOLDOUT_NEGATIVES, replace=False)
    holdout_idx = np.concatenate([positives, negatives])
    edge_notes, edge_rows = load_golden_edges(os.path.join(data_dir, "golden-inputs.csv"), features)
    notes = edge_notes + [f"holdout row, label {int(y_test[i])}" for i in holdout_idx]
    # Golden inputs are float32 values (what Node feeds); JSON carries them exactly as doubles.
    golden_x = np.concatenate([edge_rows, x_test[holdout_idx]]).astype(np.float32)
    # Reference: sklearn in float64 on exactly those float32 inputs.
    golden_p = model.predict_proba(golden_x.astype(np.float64))
    header_fields = {
        "model": manifest["name"],
        "version": manifest["version"],
        "features": features,
        "tolerance": GOLDEN_TOLERANCE,
        "reference": "sklearn Pipeline.predict_proba, float64 arithmetic on float32-exact inputs",
    }
    rows = [
        {"note": note, "input": [float(v) for v in row], "probabilities": [float(p) for p in probs]}
        for note, row, probs in zip(notes, golden_x, golden_p)
    ]
    with open(os.path.join(out_dir, "golden.json"), "w") as handle:
        # One row per line: diffs of a retrain stay readable.
        head = json.dumps(header_fields, indent=2)[:-2]
        handle.write(head + ',\n  "rows": [\n')
        handle.write(",\n".join("    " + json.dumps(row) for row in rows))
        handle.write("\n  ]\n}\n")
    print(
        f"wrote {model_path} ({os.path.getsize(model_path)} bytes), manifest.json, golden.json ({len(notes)} rows), "
        f"{os.path.basename(profile_path)} ({os.path.getsize(profile_path)} bytes)"
    )


if __name__ == "__main__":
    main()
