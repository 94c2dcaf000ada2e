"""Golden outputs: the numbers that a restructuring of the code must not change.

``collect(workdir)`` runs every pipeline whose numbers users rely on, through the public
command line and API, with fixed seeds, and returns ``{name: value}`` where a value is
either a JSON document (``metrics.json`` and ``--json`` outputs, with run times and other
machine-dependent entries removed) or a numpy array (trained weights, features).

Run this file to (re-)record ``tests/golden/golden.json`` and ``golden.npz`` on the current
code; ``tests/test_golden.py`` recomputes everything and compares bit for bit. Re-record
only when a change of numbers is intended, and say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

HERE = Path(__file__).resolve().parent
GOLDEN_JSON = HERE / "golden.json"
GOLDEN_NPZ = HERE / "golden.npz"

# Entries whose values are wall-clock measurements or versions, not results.
_VOLATILE_KEYS = {
    "run_time",
    "burn_in_seconds",
    "wall_time_s",
    "seconds",
    "deeprg_version",
    "worker_pid",
    "elapsed_s",
}


def machine_fingerprint() -> dict:
    """What decides the floating-point rounding of a run: CPU, torch and numpy."""
    import torch

    cpu = platform.processor()
    flags = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = line.split(":", 1)[1]
                break
    except OSError:
        pass
    isa = sorted(f for f in flags.split() if f.startswith(("avx", "amx", "fma")))
    return {
        "cpu": cpu,
        "isa": isa,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def strip_volatile(document):
    """A copy of a JSON document without run times, versions and PIDs."""
    if isinstance(document, dict):
        return {
            key: strip_volatile(value)
            for key, value in document.items()
            if key not in _VOLATILE_KEYS and not key.endswith("_seconds")
        }
    if isinstance(document, list):
        return [strip_volatile(value) for value in document]
    return document


def _deeprg(*args: str, cwd: Path) -> str:
    command = [sys.executable, "-c", "from deeprg.cli import main; main()", *args]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"deeprg {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def _h5_arrays(path: Path, prefix: str, out: dict) -> None:
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            # history/seconds holds epoch wall times, not results.
            volatile = name.endswith("/seconds")
            if isinstance(obj, h5py.Dataset) and obj.dtype.kind in "fiub" and not volatile:
                out[f"{prefix}/{name}"] = obj[()]

        f.visititems(visit)


def _metrics(path: Path) -> dict:
    return strip_volatile(json.loads(path.read_text()))


def reproduce_quick(workdir: Path) -> dict:
    out = workdir / "reproduce"
    _deeprg("reproduce", "mehta-schwab", "--preset", "quick", "--out", str(out), cwd=workdir)
    values: dict = {"reproduce/metrics": _metrics(out / "metrics.json")}
    _h5_arrays(out / "model.h5", "reproduce/model", values)
    with h5py.File(out / "samples.h5", "r") as f:
        values["reproduce/samples/sha256"] = hashlib.sha256(f["spins"][()].tobytes()).hexdigest()
    return values


def sweep_point(workdir: Path) -> dict:
    out = workdir / "sweep"
    _deeprg(
        "sweep", "mehta-schwab", "--couplings", "0.36", "--sizes", "8", "--samples", "600",
        "--epochs", "4", "--workers", "1", "--out", str(out), cwd=workdir,
    )  # fmt: skip
    (point,) = sorted((out / "points").iterdir())
    return {"sweep/point/metrics": _metrics(point / "metrics.json")}


def exponents(workdir: Path, transform: str) -> dict:
    text = _deeprg(
        "rg", "exponents", "--size", "32", "--transform", transform, "--json", cwd=workdir
    )
    return {f"exponents/{transform}": strip_volatile(json.loads(text))}


def iso_flow_quick(workdir: Path) -> dict:
    out = workdir / "iso"
    _deeprg("reproduce", "iso-flow", "--preset", "quick", "--out", str(out), cwd=workdir)
    return {"iso_flow/metrics": _metrics(out / "metrics.json")}


def estimators(workdir: Path) -> dict:
    """RBM, ConvRBM and DBN fits with a fixed random_state: their learned parameters."""
    from deeprg import DBN, RBM, ConvRBM

    rng = np.random.default_rng(7)
    data = (rng.random((300, 64)) < 0.3 + 0.4 * (np.arange(64) % 2)).astype(np.float64)
    values: dict = {}
    rbm = RBM(n_hidden=12, epochs=5, batch_size=25, random_state=3).fit(data)
    values["rbm/weights"] = rbm.weights_
    values["rbm/visible_bias"] = rbm.visible_bias_
    values["rbm/hidden_bias"] = rbm.hidden_bias_
    values["rbm/score_samples"] = rbm.score_samples(data[:20])
    spin = RBM(n_hidden=6, epochs=3, units="spin", cd_k=2, persistent=True, random_state=4)
    spin.fit(2 * data - 1)
    values["rbm_spin_pcd/weights"] = spin.weights_
    conv = ConvRBM(n_channels=2, kernel_size=2, stride=2, lattice_shape=(8, 8), epochs=4,
                   batch_size=20, random_state=5).fit(data)  # fmt: skip
    values["conv/weights"] = conv.to_dense().weights_
    values["conv/visible_bias"] = np.asarray(conv.to_dense().visible_bias_)
    values["conv/score_samples"] = conv.score_samples(data[:20])
    dbn = DBN(layers=(16, 4), epochs=4, batch_size=25, random_state=6).fit(data)
    for i, layer in enumerate(dbn.rbms_):
        values[f"dbn/{i}/weights"] = layer.weights_
        values[f"dbn/{i}/hidden_bias"] = layer.hidden_bias_
    values["dbn/transform"] = dbn.transform(data[:20])
    return values


def train_transform_csv(workdir: Path) -> dict:
    rng = np.random.default_rng(11)
    table = rng.normal(size=(200, 6)) @ rng.normal(size=(6, 6))
    table[rng.random(table.shape) < 0.05] = np.nan
    csv = workdir / "table.csv"
    header = ",".join(f"sensor{i}" for i in range(6))
    rows = [",".join("" if np.isnan(x) else repr(float(x)) for x in row) for row in table]
    csv.write_text(header + "\n" + "\n".join(rows) + "\n")
    model = workdir / "table_model.h5"
    summary = _deeprg(
        "train", str(csv), "--units", "gaussian", "--scale", "standard", "--layers", "5,3",
        "--epochs", "6", "--lr", "0.003,0.1", "--seed", "2", "--missing", "impute", "--json", "--out", str(model),
        cwd=workdir,
    )  # fmt: skip
    features = workdir / "features.npy"
    _deeprg("transform", str(model), str(csv), "--out", str(features), cwd=workdir)
    summary = strip_volatile(json.loads(summary))
    summary.pop("out")  # the temporary path
    values: dict = {"train/summary": summary}
    _h5_arrays(model, "train/model", values)
    values["transform/features"] = np.load(features)
    return values


GROUPS = {
    "reproduce": reproduce_quick,
    "sweep": sweep_point,
    "exponents_majority": lambda w: exponents(w, "majority"),
    "exponents_learned": lambda w: exponents(w, "learned"),
    "iso_flow": iso_flow_quick,
    "estimators": estimators,
    "train_transform": train_transform_csv,
}


def split(values: dict) -> tuple[dict, dict]:
    """(JSON-able entries, array entries)."""
    documents = {k: v for k, v in values.items() if not isinstance(v, np.ndarray)}
    arrays = {k: v for k, v in values.items() if isinstance(v, np.ndarray)}
    return documents, arrays


def main() -> None:
    import tempfile

    documents: dict = {"_machine": machine_fingerprint()}
    arrays: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, group in GROUPS.items():
            workdir = Path(tmp) / name
            workdir.mkdir()
            print(f"recording {name}", file=sys.stderr, flush=True)
            docs, arrs = split(group(workdir))
            documents.update({f"{name}:{k}": v for k, v in docs.items()})
            arrays.update({f"{name}:{k}": v for k, v in arrs.items()})
    GOLDEN_JSON.write_text(json.dumps(documents, indent=1, sort_keys=True) + "\n")
    np.savez_compressed(GOLDEN_NPZ, **arrays)
    print(f"wrote {GOLDEN_JSON} and {GOLDEN_NPZ} ({len(arrays)} arrays)", file=sys.stderr)


if __name__ == "__main__":
    main()
