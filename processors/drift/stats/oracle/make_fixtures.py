"""Writes scipy's answers for the drift statistics, for processors/drift/stats tests (no Python at test time).

    python3 -m pip install -r processors/drift/stats/oracle/requirements.txt
    python3 processors/drift/stats/oracle/make_fixtures.py

Each numeric case is a reference and a current sample (NaN written as null; the statistics drop
them first) with: the reference decile edges (np.quantile, linear, duplicates removed), the bin
counts of both (a value equal to an edge falls in the bin above), PSI by its formula with a 1e-4
floor, scipy.stats.ks_2samp in exact and asymptotic mode, scipy.stats.wasserstein_distance and
that over max(reference std (ddof 0), 1e-3), and scipy.spatial.distance.jensenshannon over the
bins. Each categorical case has reference frequencies and current counts with scipy.stats.chisquare
over the reference's non-zero categories (f_exp scaled to the observed total) and the L-infinity
distance, with values unseen in the reference counted apart.
"""

import json
import os
import warnings

import numpy as np
from scipy import spatial, stats

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261202


def num(value):
    """A float for JSON; NaN (scipy's answer where a statistic is undefined) as null."""
    value = float(value)
    return None if np.isnan(value) else value


def clean(values):
    values = np.asarray(values, dtype=np.float64)
    return np.sort(values[~np.isnan(values)])


def numeric_case(name, reference, current):
    ref = clean(reference)
    cur = clean(current)
    edges = list(dict.fromkeys(np.quantile(ref, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]).tolist()))
    ref_counts = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1)
    cur_counts = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1)
    p = np.maximum(ref_counts / ref_counts.sum(), 1e-4)
    q = np.maximum(cur_counts / cur_counts.sum(), 1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exact = stats.ks_2samp(ref, cur, method="exact")
        asymp = stats.ks_2samp(ref, cur, method="asymp")
        auto = stats.ks_2samp(ref, cur, method="auto")
    std = float(np.std(ref))
    w = float(stats.wasserstein_distance(ref, cur))
    return {
        "name": name,
        "reference": [None if np.isnan(v) else float(v) for v in np.asarray(reference, dtype=np.float64)],
        "current": [None if np.isnan(v) else float(v) for v in np.asarray(current, dtype=np.float64)],
        "edges": edges,
        "reference_counts": ref_counts.tolist(),
        "current_counts": cur_counts.tolist(),
        "psi": float(np.sum((q - p) * np.log(q / p))),
        "ks_statistic": float(exact.statistic),
        "ks_pvalue_exact": num(exact.pvalue),
        "ks_pvalue_asymp": num(asymp.pvalue),
        "ks_pvalue_auto": num(auto.pvalue),
        "reference_std": std,
        "wasserstein": w,
        "wasserstein_normed": w / max(std, 1e-3),
        "js_distance": num(spatial.distance.jensenshannon(ref_counts, cur_counts)),
    }


def categorical_case(name, reference, current):
    categories = sorted(reference)
    observed = np.array([current.get(c, 0) for c in categories], dtype=np.float64)
    freq = np.array([reference[c] for c in categories], dtype=np.float64)
    keep = freq > 0
    expected = freq[keep] / freq[keep].sum() * observed[keep].sum()
    result = stats.chisquare(observed[keep], expected)
    unseen = sum(v for c, v in current.items() if c not in reference)
    ref_dist = np.append(freq / freq.sum(), 0.0)
    cur_all = np.append(observed, unseen)
    cur_dist = cur_all / cur_all.sum()
    return {
        "name": name,
        "reference": reference,
        "current": current,
        "chi2_statistic": num(result.statistic),
        "chi2_pvalue": num(result.pvalue),
        "unseen": int(unseen),
        "linf": float(np.max(np.abs(ref_dist - cur_dist))),
    }


def main():
    rng = np.random.default_rng(SEED)
    normal = rng.normal(0, 1, 400)
    numeric = [
        numeric_case("normal, no drift", normal[:200], normal[200:]),
        numeric_case("normal, mean shifted by 0.5", rng.normal(0, 1, 300), rng.normal(0.5, 1, 250)),
        numeric_case("equal sizes, scale change", rng.normal(0, 1, 120), rng.normal(0, 1.6, 120)),
        numeric_case("ties: small integers", rng.integers(0, 5, 150), rng.integers(1, 6, 170)),
        numeric_case("tiny: n = 1 against 1", [0.5], [1.5]),
        numeric_case("tiny: n = 2 against 5", [0.1, 0.9], [0.2, 0.3, 1.4, 2.0, -1.0]),
        numeric_case("tiny: n = 5 against 5", [1, 2, 3, 4, 5], [1.5, 2.5, 3.5, 8, 9]),
        numeric_case("constant reference", [3.0] * 50, rng.normal(3, 0.1, 40)),
        numeric_case("constant, both equal", [7.0] * 30, [7.0] * 20),
        numeric_case("heavy tails: Cauchy", rng.standard_cauchy(500), rng.standard_cauchy(400) * 1.5),
        numeric_case("NaN removed", np.append(rng.normal(0, 1, 60), [np.nan] * 5), np.append([np.nan, np.nan], rng.normal(0.2, 1, 70))),
        numeric_case("log-normal amounts, larger samples", rng.lognormal(4, 1, 2000), rng.lognormal(4.2, 1, 1500)),
    ]
    categorical = [
        categorical_case("no drift", {"POS": 600, "ONLINE": 300, "ATM": 100}, {"POS": 61, "ONLINE": 29, "ATM": 10}),
        categorical_case("mix moved", {"POS": 600, "ONLINE": 300, "ATM": 100}, {"POS": 30, "ONLINE": 50, "ATM": 20}),
        categorical_case(
            "unseen categories",
            {"grocery": 500, "fuel": 200, "travel": 100, "jewelry": 0},
            {"grocery": 40, "fuel": 30, "travel": 10, "jewelry": 3, "crypto_exchange": 17},
        ),
    ]
    # The one-sample Kolmogorov tail the asymptotic p-value reads, over every regime scipy splits on.
    kolmogorov = []
    for n in [1, 2, 3, 5, 10, 50, 140, 141, 500, 1000, 10_000, 99_999, 100_001, 1_000_000]:
        for nx in [0.3, 0.5, 0.75, 1.0, 1.5, 3.0]:
            kolmogorov.append({"n": n, "x": nx / n, "sf": num(stats.kstwo.sf(nx / n, n))})
        for z in [0.2, 0.5, 0.8, 0.87, 1.0, 1.2, 1.5, 2.0, 2.5, 3.5]:
            x = z / np.sqrt(n)
            if x < 1:
                kolmogorov.append({"n": n, "x": float(x), "sf": num(stats.kstwo.sf(x, n))})
        for x in [0.5, 0.6, 0.95, 1 - 1 / (2 * n)]:
            kolmogorov.append({"n": n, "x": float(x), "sf": num(stats.kstwo.sf(x, n))})
    # Benjamini-Hochberg over a window's p-values (ties, ones, tiny values).
    bh_inputs = [[0.01, 0.04, 0.03, 0.005, 0.2, 0.9], [0.5], [1e-12, 1e-12, 0.3, 1.0], rng.uniform(0, 0.1, 30).tolist()]
    benjamini_hochberg = [{"p": ps, "adjusted": stats.false_discovery_control(ps, method="bh").tolist()} for ps in bh_inputs]
    with open(os.path.join(HERE, "scipy-answers.json"), "w") as handle:
        json.dump({"scipy": __import__("scipy").__version__, "numpy": np.__version__, "numeric": numeric, "categorical": categorical, "kolmogorov": kolmogorov, "benjamini_hochberg": benjamini_hochberg}, handle, indent=1, allow_nan=False)
        handle.write("\n")


if __name__ == "__main__":
    main()
