"""RBM speed and quality benchmark: deeprg against scikit-learn's BernoulliRBM.

Run by hand (never in CI)::

    python benchmarks/bench_rbm.py                 # both tables
    python benchmarks/bench_rbm.py --skip-speed --quality-budget 20,10,0.05

Speed: seconds per epoch of a 1600×400 RBM, CD-1, mini-batches of 100,
20,000 samples, float32, on this machine's CPU cores, against

- the matrix-multiply floor: six (100×1600)·(1600×400)-sized products per update (the
  count of the original target; a deeprg CD-1 or PCD-1 update needs five: three layer passes and the two
  statistics), 200 updates, timed with torch on preallocated buffers in the same run;
- scikit-learn's BernoulliRBM with the same sizes (PCD-1, its only algorithm).

Targets: deeprg within 1.1× of the floor and ≥ 1.3× faster than BernoulliRBM. Each contender
runs in its own process with the same thread count (``--threads``, default: all cores),
interleaved over rounds; on a shared machine other jobs only ever slow a run down, so the
ratios use each contender's fastest epoch (medians printed beside them).

Quality: scikit-learn's bundled 8×8 digits, binarised (pixel > 7 → 1), a fixed held-out
split (80/20, random_state 0), 16 hidden units, the same epochs, batch size and learning rate
for every contender; score = exact mean test log-likelihood (exact ln Z over the 2^16 hidden
states, deeprg's exact summation for both models, BernoulliRBM's parameters read in the same
sign convention), mean ± std over seeds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

N_SAMPLES, N_VISIBLE, N_HIDDEN, BATCH = 20000, 1600, 400, 100

#: Contenders of the speed table, each timed in its own process (torch's OpenMP threads and
#: numpy's BLAS threads slow each other down when they share one).
CONTENDERS = {
    "floor": "matmul floor (6 products/update)",
    "floor-bf16": "matmul floor, bfloat16 operands",
    "cd": "deeprg RBM, CD-1, per-epoch history on",
    "cd-bf16": "deeprg RBM, CD-1, bfloat16 products",
    "cd-no-history": "deeprg RBM, CD-1, history off",
    "pcd": "deeprg RBM, PCD-1, history on",
    "sklearn": "sklearn BernoulliRBM (PCD-1)",
}


def _speed_data() -> np.ndarray:
    rng = np.random.default_rng(0)
    return (rng.random((N_SAMPLES, N_VISIBLE)) < 0.5).astype(np.float32)


def _time_floor(epochs: int, dtype: str = "float32") -> list[float]:
    """Per 'epoch': N_SAMPLES/BATCH updates of six BATCH x N_VISIBLE x N_HIDDEN products."""
    import torch

    g = torch.Generator().manual_seed(0)
    kind = getattr(torch, dtype)
    v = torch.rand(BATCH, N_VISIBLE, generator=g).to(kind)
    h = torch.rand(BATCH, N_HIDDEN, generator=g).to(kind)
    w = torch.rand(N_VISIBLE, N_HIDDEN, generator=g).to(kind)
    out_h = torch.empty(BATCH, N_HIDDEN, dtype=kind)
    out_v = torch.empty(BATCH, N_VISIBLE, dtype=kind)
    out_w = torch.empty(N_VISIBLE, N_HIDDEN, dtype=kind)
    times = []
    for _ in range(epochs + 1):
        start = time.perf_counter()
        for _ in range(N_SAMPLES // BATCH):
            torch.mm(v, w, out=out_h)  # p(h | v_data)
            torch.mm(h, w.T, out=out_v)  # p(v | h)
            torch.mm(v, w, out=out_h)  # p(h | v_model)
            torch.mm(v.T, h, out=out_w)  # <v h>_data
            torch.mm(v.T, h, out=out_w)  # <v h>_model
            torch.mm(v, w, out=out_h)  # the sixth product of the original six-product count
        times.append(time.perf_counter() - start)
    return times[1:]


def _time_deeprg(epochs: int, **options) -> list[float]:
    from deeprg.rbm import RBM

    rbm = RBM(
        N_HIDDEN, epochs=epochs + 1, batch_size=BATCH, learning_rate=0.1, random_state=0, **options
    )
    rbm.fit(_speed_data())
    return rbm.history_["seconds"][1:]  # the first epoch warms up allocations and threads


def _time_sklearn(epochs: int) -> list[float]:
    from sklearn.neural_network import BernoulliRBM

    data = _speed_data()
    times = []
    for i in range(epochs + 1):
        rbm = BernoulliRBM(
            n_components=N_HIDDEN, batch_size=BATCH, learning_rate=0.1, n_iter=1, random_state=i
        )
        start = time.perf_counter()
        rbm.fit(data)
        times.append(time.perf_counter() - start)
    return times[1:]


def _worker(name: str, epochs: int, threads: int) -> None:
    """Time one contender in this process and print its per-epoch seconds as JSON."""
    if name != "sklearn":
        import torch

        torch.set_num_threads(threads)
    if name == "floor":
        times = _time_floor(epochs)
    elif name == "floor-bf16":
        times = _time_floor(epochs, "bfloat16")
    elif name == "cd-bf16":
        times = _time_deeprg(epochs, matmul_dtype="bfloat16")
    elif name == "sklearn":
        times = _time_sklearn(epochs)
    elif name == "cd":
        times = _time_deeprg(epochs)
    elif name == "cd-no-history":
        times = _time_deeprg(epochs, history_samples=0)
    else:
        times = _time_deeprg(epochs, persistent=True)
    print(json.dumps(times))


def speed_table(epochs: int, rounds: int, threads: int) -> None:
    """Interleave the contenders over ``rounds`` so machine-load drifts hit all alike."""
    seconds: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    env = dict(os.environ)
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[variable] = str(threads)
    for _ in range(rounds):
        for name in CONTENDERS:
            command = [sys.executable, __file__, "--worker", name]
            command += ["--speed-epochs", str(epochs), "--threads", str(threads)]
            result = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
            seconds[name] += json.loads(result.stdout.strip().splitlines()[-1])
    best = {name: min(values) for name, values in seconds.items()}
    median = {name: statistics.median(values) for name, values in seconds.items()}
    floor, sk = best["floor"], best["sklearn"]
    print(
        f"\nSpeed: {N_VISIBLE}x{N_HIDDEN} RBM, batch {BATCH}, {N_SAMPLES} samples, float32, "
        f"{threads} threads on {os.cpu_count()} cores (all contenders); s/epoch over "
        f"{rounds} rounds x {epochs} epochs, ratios of the fastest epochs"
    )
    print(f"  {'':42s} {'fastest':>8s} {'median':>8s} {'/floor':>7s} {'sklearn/this':>12s}")
    for name, label in CONTENDERS.items():
        t = best[name]
        print(f"  {label:42s} {t:8.3f} {median[name]:8.3f} {t / floor:7.2f} {sk / t:12.2f}")
    cd, cd16, floor16 = best["cd"], best["cd-bf16"], best["floor-bf16"]
    print(
        f"  bfloat16: deeprg CD-1 {cd16 / floor16:.2f}x its floor, {cd / cd16:.2f}x faster "
        f"than float32 CD-1 (floors: {floor / floor16:.2f}x)"
    )
    print(
        f"  target: deeprg CD-1 <= 1.1x floor (got {cd / floor:.2f}x; medians "
        f"{median['cd'] / median['floor']:.2f}x) and >= 1.3x faster than BernoulliRBM "
        f"(got {sk / cd:.2f}x; medians {median['sklearn'] / median['cd']:.2f}x)"
    )


def digits_split(seed: int = 0):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x = (load_digits().data > 7).astype(np.float64)
    return train_test_split(x, test_size=0.2, random_state=seed)


#: deeprg settings compared with BernoulliRBM (the first entry) at the same budget.
QUALITY_CONFIGS = {
    "sklearn BernoulliRBM (PCD-1, no momentum)": None,
    "deeprg CD-1, momentum 0.5->0.9 (defaults)": {},
    "deeprg CD-1, defaults, bfloat16 products": {"matmul_dtype": "bfloat16"},
    "deeprg CD-1 sampled reconstruction, momentum": {"reconstruction": "sample"},
    "deeprg CD-1, momentum, centring": {"centering": True},
    "deeprg PCD-1, no momentum (sklearn's update)": {
        "persistent": True,
        "momentum": 0.0,
        "initial_momentum": None,
    },
    "deeprg PCD-1, no momentum, centring": {
        "persistent": True,
        "momentum": 0.0,
        "initial_momentum": None,
        "centering": True,
    },
    "deeprg PCD-1, momentum 0.5->0.9": {"persistent": True},
}


def quality_table(seeds: int, epochs: int, batch: int, learning_rate: float) -> None:
    import torch
    from sklearn.neural_network import BernoulliRBM

    from deeprg.rbm import RBM

    torch.set_num_threads(1)  # 64x16 models: thread hand-offs cost more than they save
    train, test = digits_split()
    print(
        f"\nQuality: digits 8x8 binarised (>7), train {len(train)} / test {len(test)}, 16 hidden, "
        f"{epochs} epochs, batch {batch}, learning rate {learning_rate}; exact mean test "
        f"log-likelihood (nats), mean ± std over seeds 0-{seeds - 1}"
    )
    baseline = None
    for name, extra in QUALITY_CONFIGS.items():
        scores = []
        for seed in range(seeds):
            if extra is None:
                sk = BernoulliRBM(
                    n_components=16,
                    learning_rate=learning_rate,
                    batch_size=batch,
                    n_iter=epochs,
                    random_state=seed,
                ).fit(train)
                # BernoulliRBM's energy is -b·v - c·h - v·Wᵀ·h: deeprg's sign convention.
                model = RBM.from_parameters(
                    sk.components_.T, sk.intercept_visible_, sk.intercept_hidden_
                )
            else:
                model = RBM(
                    16,
                    epochs=epochs,
                    batch_size=batch,
                    learning_rate=learning_rate,
                    random_state=seed,
                    history_samples=0,
                    **extra,
                ).fit(train)
            scores.append(model.score(test))
        mean = float(np.mean(scores))
        baseline = mean if baseline is None else baseline
        print(f"  {name:46s} {mean:9.3f} ± {np.std(scores):.3f}   {mean - baseline:+7.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed-epochs", type=int, default=3)
    parser.add_argument("--speed-rounds", type=int, default=3)
    parser.add_argument(
        "--threads", type=int, default=os.cpu_count() or 1, help="threads of every contender"
    )
    parser.add_argument("--worker", choices=sorted(CONTENDERS), help=argparse.SUPPRESS)
    parser.add_argument("--quality-seeds", type=int, default=5)
    parser.add_argument(
        "--quality-budget",
        action="append",
        metavar="EPOCHS,BATCH,LR",
        help="repeatable; default: 10,10,0.1 (BernoulliRBM's defaults) and 50,100,0.1",
    )
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker, args.speed_epochs, args.threads)
        return
    if not args.skip_speed:
        speed_table(args.speed_epochs, args.speed_rounds, args.threads)
    if not args.skip_quality:
        for budget in args.quality_budget or ["10,10,0.1", "50,100,0.1"]:
            epochs, batch, learning_rate = budget.split(",")
            quality_table(args.quality_seeds, int(epochs), int(batch), float(learning_rate))


if __name__ == "__main__":
    main()
