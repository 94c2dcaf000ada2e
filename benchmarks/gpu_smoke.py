"""GPU smoke run: the CUDA paths of deeprg end to end, timed against the CPU.

Run by hand on a machine with a GPU (``bash benchmarks/gpu_smoke.sh``), never in CI. Each
step runs as a fresh command on ``cuda`` and on ``cpu``, and the table prints wall seconds
and the CPU/GPU ratio:

- ``sample``: the batched torch Monte Carlo kernel (64×64 at J = 0.44, checkerboard
  Metropolis, 2,000 configurations);
- ``epoch fp32`` / ``epoch bf16``: one timed CD-1 epoch of the paper's first layer (1600×400,
  20,000 rows, batch 100, L1 2e-4) after a warm-up epoch, float32 and bfloat16 products
  (``epoch tf32``: TF32 tensor-core products on the GPU against float32 on the CPU);
- ``train``: ``deeprg train`` of a 1600-400-100-25 DBN for 3 epochs on 40×40 samples;
- ``quick``: ``deeprg reproduce mehta-schwab --preset quick``;
- ``paper`` and ``paper bf16``: the paper preset on the GPU (the CPU's time is in the
  README); ``--skip-paper`` leaves them out.

Every command's output is kept under ``--out`` (default: a temporary folder); a failing step
stops the run with its last lines.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EPOCH = """
import sys
import numpy as np
from deeprg.rbm import RBM
device, matmul = sys.argv[1], sys.argv[2]
data = (np.random.default_rng(0).random((20000, 1600)) < 0.5).astype(np.float32)
rbm = RBM(400, epochs=2, batch_size=100, l1=2e-4, matmul_dtype=matmul, device=device,
          random_state=0).fit(data)
print(rbm.history_["seconds"][-1])
"""


def _deeprg(*args: str) -> list[str]:
    return [sys.executable, "-c", "from deeprg.cli import main; main()", *args]


def _run(name: str, command: list[str], out: Path) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    (out / f"{name}.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-5:])
        sys.exit(f"FAILED: {name}: {' '.join(command)}\n{tail}")
    return seconds, result.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="Keep every command's output here.")
    parser.add_argument("--skip-paper", action="store_true", help="Leave out the paper preset.")
    parser.add_argument(
        "--gpu", default="cuda", help="Device under test (cpu: a dry run of this script itself)."
    )
    args = parser.parse_args()
    import torch

    gpu = args.gpu
    if gpu.startswith("cuda") and not torch.cuda.is_available():
        sys.exit(
            f"no CUDA device visible to torch {torch.__version__}; run this on a GPU machine "
            "with a CUDA build of torch"
        )
    if gpu.startswith("cuda"):
        print(f"GPU: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    out = Path(args.out or tempfile.mkdtemp(prefix="deeprg-gpu-"))
    out.mkdir(parents=True, exist_ok=True)
    _run("samples-40", _deeprg("sample", "ising2d", "--size", "40", "--coupling", "0.408",
         "--samples", "2000", "--seed", "1", "--out", str(out / "s40.h5"), "--overwrite",
         "--no-progress"), out)  # fmt: skip
    rows = []
    for step in ("sample", "epoch fp32", "epoch bf16", "epoch tf32", "train", "quick"):
        seconds = []
        for device in (gpu, "cpu"):
            tag = f"{step.replace(' ', '-')}-{device}-{'gpu' if device == gpu else 'ref'}"
            if step == "sample":
                command = _deeprg("sample", "ising2d", "--size", "64", "--coupling", "0.44",
                                  "--samples", "2000", "--algorithm", "metropolis", "--device",
                                  device, "--seed", "1", "--out", str(out / f"{tag}.h5"),
                                  "--overwrite", "--no-progress")  # fmt: skip
            elif step.startswith("epoch"):
                matmul = {"fp32": "float32", "bf16": "bfloat16", "tf32": "tfloat32"}[step[-4:]]
                if device == "cpu" and matmul == "tfloat32":
                    matmul = "float32"  # TF32 is a GPU mode: the CPU reference is float32
                command = [sys.executable, "-c", EPOCH, device, matmul]
            elif step == "train":
                command = _deeprg("train", str(out / "s40.h5"), "--layers", "400,100,25",
                                  "--epochs", "3", "--device", device, "--seed", "1", "--out",
                                  str(out / f"{tag}.h5"), "--overwrite", "--no-progress")  # fmt: skip
            else:
                command = _deeprg("reproduce", "mehta-schwab", "--preset", "quick", "--device",
                                  device, "--out", str(out / tag), "--no-progress")  # fmt: skip
            wall, stdout = _run(tag, command, out)
            seconds.append(float(stdout) if step.startswith("epoch") else wall)
        rows.append((step, *seconds))
    if not args.skip_paper:
        for precision in ("fp32", "bf16"):
            wall, _ = _run(f"paper-{precision}", _deeprg("reproduce", "mehta-schwab", "--preset",
                           "paper", "--device", gpu, "--precision", precision, "--out",
                           str(out / f"paper-{precision}"), "--no-progress"), out)  # fmt: skip
            rows.append((f"paper {precision}", wall, float("nan")))
    print(f"\n{'step':14s} {gpu + ' s':>9s} {'cpu s':>9s} {'cpu/' + gpu:>9s}")
    for step, gpu, cpu in rows:
        print(f"{step:14s} {gpu:9.2f} {cpu:9.2f} {cpu / gpu:9.2f}")
    print(f"(epoch rows: one CD-1 epoch inside the run; others: whole commands; logs in {out})")


if __name__ == "__main__":
    main()
