"""Where an epoch of the paper's first layer goes: products, element-wise work, the L1 sign,
history metrics, checkpoint writes and Python overhead.

Run by hand (never in CI)::

    python benchmarks/profile_epoch.py [--precision fp32|bf16] [--threads N] [--rounds R]

A 1600×400 RBM (the paper's first layer), CD-1, mini-batches of 100, L1 = 2e-4, on 20,000
random binary rows. One warm-up epoch, then one epoch under ``torch.profiler``: the time of
every aten operator is summed into groups (matrix products, element-wise and sampling, the L1
sign, copies and casts, other), and the rest of the epoch's wall time is Python overhead.
The per-epoch bookkeeping (history metrics on 1,000 rows, the public copies of the state, a
checkpoint write) is timed on its own, best of five calls in each round, as fractions of the
epoch.

Two floors are printed beside it. The product floor is the same five products per update on
preallocated buffers with nothing else, W never changing. The training floor adds the W-sized
work that no momentum training can skip (the velocity from the statistics product, W +=
velocity and, with bfloat16 products, the bfloat16 copy of W): what an epoch would cost if
everything else (sampling, biases, the L1 term, Python) were free. The plain epoch and the
two floors are timed in alternation, ``--rounds`` times (this machine's speed can change by
40 % within a minute), and the ratios use the fastest of each; every round is printed too.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

N_SAMPLES, N_VISIBLE, N_HIDDEN, BATCH = 20000, 1600, 400, 100

GROUPS = {
    "matrix products": (
        "aten::mm",
        "aten::addmm",
        "aten::addmm_",
        "aten::addmv",
        "aten::addmv_",
        "aten::mv",
        "aten::bmm",
    ),
    "L1 sign": ("aten::sign",),
    "copies and casts": ("aten::copy_", "aten::to", "aten::_to_copy", "aten::index_select"),
    "element-wise and sampling": (
        "aten::sigmoid_",
        "aten::sigmoid",
        "aten::clamp_",
        "aten::clamp",
        "aten::uniform_",
        "aten::rand",
        "aten::lt_",
        "aten::lt",
        "aten::add_",
        "aten::mul_",
        "aten::neg_",
        "aten::randperm",
    ),
}


def _floor(dtype: torch.dtype, moving: bool = False) -> float:
    """Seconds of the five products of every update in one epoch, nothing else.

    ``moving=True`` adds the W-sized work that any momentum training must do between the
    products, and nothing else: the velocity from the statistics product, W += velocity and,
    with bfloat16 products, the bfloat16 copy of the new W. Without it W never changes, so
    both cores keep it in their caches; a training writes W every update and the next
    products must fetch it again (on 2 cores a copy into W's bfloat16 buffer right after a
    product read it took ~300 µs, against ~35 µs in a loop of copies alone).
    """
    g = torch.Generator().manual_seed(0)
    v = torch.rand(BATCH, N_VISIBLE, generator=g).to(dtype)
    v2 = torch.rand(2 * BATCH, N_VISIBLE, generator=g).to(dtype)
    h = torch.rand(BATCH, N_HIDDEN, generator=g).to(dtype)
    h2 = torch.rand(2 * BATCH, N_HIDDEN, generator=g).to(dtype)
    w = torch.rand(N_VISIBLE, N_HIDDEN, generator=g).to(dtype)
    out_h = torch.empty(BATCH, N_HIDDEN, dtype=dtype)
    out_v = torch.empty(BATCH, N_VISIBLE, dtype=dtype)
    out_w = torch.empty(N_VISIBLE, N_HIDDEN, dtype=dtype)
    master = torch.rand(N_VISIBLE, N_HIDDEN, generator=g)  # float32 master weights
    velocity = torch.zeros(N_VISIBLE, N_HIDDEN)
    low = dtype != torch.float32
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        for _ in range(N_SAMPLES // BATCH):
            if moving and low:
                w.copy_(master)
            torch.mm(v, w, out=out_h)
            torch.mm(h, w.T, out=out_v)
            torch.mm(v, w, out=out_h)
            torch.mm(v2.T, h2, out=out_w)
            if moving:
                velocity.mul_(0.9).add_(out_w, alpha=1e-9)
                (master if low else w).add_(velocity)
        best = min(best, time.perf_counter() - start)
    return best


def _best_of(repeats: int, work) -> float:
    """Shortest wall time of ``repeats`` calls of ``work()`` (a single call is noisy)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument(
        "--rounds", type=int, default=3, help="Plain epochs, each followed by both floors."
    )
    parser.add_argument(
        "--show-other", action="store_true", help="List the operators in 'other operators'."
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    from deeprg.rbm import RBM
    from deeprg.rbm.checkpoint import save_checkpoint

    matmul = {"fp32": "float32", "bf16": "bfloat16"}[args.precision]
    data = (np.random.default_rng(0).random((N_SAMPLES, N_VISIBLE)) < 0.5).astype(np.float32)
    rbm = RBM(N_HIDDEN, epochs=1, l1=2e-4, batch_size=BATCH, matmul_dtype=matmul, random_state=0)
    rbm.fit(data)  # warm-up: allocations, threads, first-touch pages

    from deeprg.rbm.history import history_subset
    from deeprg.rbm.training import Trainer

    config = rbm._check_params()
    tensor = torch.as_tensor(data)
    params = [torch.as_tensor(p) for p in (rbm.weights_, rbm.visible_bias_, rbm.hidden_bias_)]
    trainer = Trainer(config, tensor, *params, generator=torch.Generator().manual_seed(1))
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profiler:
        start = time.perf_counter()
        trainer.run_epoch()
        epoch = time.perf_counter() - start
    totals: dict[str, float] = defaultdict(float)
    for event in profiler.key_averages():
        group = next((g for g, names in GROUPS.items() if event.key in names), None)
        if group is None and event.key.startswith("aten::"):
            group = "other operators"
        if group is not None:
            totals[group] += event.self_cpu_time_total / 1e6
    # Profiling itself slows the epoch; plain epochs give the fractions' denominator. They
    # alternate with the floors and the bookkeeping, so that a change of the machine's speed
    # touches them all; the ratios and fractions use the fastest of each.
    product_dtype = torch.bfloat16 if matmul == "bfloat16" else torch.float32
    subset = history_subset(tensor, 1000)
    rounds, bookkeeping = [], []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.ckpt"
        for _ in range(args.rounds):
            start = time.perf_counter()
            trainer.run_epoch()
            plain_round = time.perf_counter() - start
            rounds.append((plain_round, _floor(product_dtype), _floor(product_dtype, moving=True)))
            bookkeeping.append(
                (
                    _best_of(5, lambda: rbm._epoch_metrics(trainer, subset)),
                    _best_of(5, lambda: rbm._publish(trainer)),
                    _best_of(
                        5,
                        lambda: save_checkpoint(
                            path, rbm._checkpoint_payload(trainer, "fingerprint")
                        ),
                    ),
                )
            )
    plain, floor, training_floor = (min(column) for column in zip(*rounds, strict=True))
    history, publish, checkpoint = (min(column) for column in zip(*bookkeeping, strict=True))
    scale = plain / epoch  # profiled times, scaled to the unprofiled epoch
    print(
        f"1600x400 CD-1 epoch, {args.precision}, {torch.get_num_threads()} threads, fastest of "
        f"{args.rounds} rounds: {plain:.3f} s (profiled {epoch:.3f} s); product floor "
        f"{floor:.3f} s -> {plain / floor:.2f}x the floor"
    )
    print(
        f"  training floor (the products, plus the velocity, W += velocity and the product copy "
        f"of W each update): {training_floor:.3f} s -> {plain / training_floor:.2f}x"
    )
    for index, (e, f, t) in enumerate(rounds, start=1):
        print(
            f"  round {index}: epoch {e:.3f} s, product floor {f:.3f} s ({e / f:.2f}x), "
            f"training floor {t:.3f} s ({e / t:.2f}x)"
        )
    print(f"  {'part':28s} {'seconds':>8s} {'% epoch':>8s}")
    accounted = 0.0
    for group in (*GROUPS, "other operators"):
        seconds = totals.get(group, 0.0) * scale
        accounted += seconds
        print(f"  {group:28s} {seconds:8.3f} {100 * seconds / plain:7.1f}%")
    overhead = max(plain - accounted, 0.0)
    print(f"  {'Python and dispatch':28s} {overhead:8.3f} {100 * overhead / plain:7.1f}%")
    print("  per-epoch bookkeeping, outside the epoch above (best of 5 calls in each round):")
    for name, seconds in (
        ("history metrics", history),
        ("public copies of the state", publish),
        ("checkpoint write", checkpoint),
    ):
        print(f"  {name:28s} {seconds:8.4f} {100 * seconds / plain:7.1f}%")
    total = history + publish + checkpoint
    print(f"  {'bookkeeping in all':28s} {total:8.4f} {100 * total / plain:7.1f}%")
    if args.show_other:
        print("  'other operators', largest first:")
        for event in sorted(profiler.key_averages(), key=lambda e: -e.self_cpu_time_total)[:12]:
            if not any(event.key in names for names in GROUPS.values()):
                print(f"    {event.key:40s} {event.self_cpu_time_total * scale / 1e6:8.4f}")


if __name__ == "__main__":
    main()
