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
- manifest.json: its training fields (trainedAt, auc, training); the rest is the bundle's declaration;
- golden.json: input rows with their probabilities, which the Node golden test compares to
  ONNX Runtime's output within 1e-5.

Only the training needs Python; nothing at run time does.
"""

import argparse
import csv
import datetime
import json
import os

import numpy as np
import onnx
import skl2onnx
import sklearn
from skl2onnx import to_onnx
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
RANDOM_STATE = 7
# onnxruntime-node 1.30 runs opsets far newer than this; 17 keeps the file loadable by older
# runtimes too (a GPU image may pin an older onnxruntime).
TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}
GOLDEN_HOLDOUT_POSITIVES = 16
GOLDEN_HOLDOUT_NEGATIVES = 39
GOLDEN_TOLERANCE = 1e-5


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
    print(f"wrote {model_path} ({os.path.getsize(model_path)} bytes), manifest.json, golden.json ({len(notes)} rows)")


if __name__ == "__main__":
    main()
