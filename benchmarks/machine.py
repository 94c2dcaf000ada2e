"""The machine a benchmark ran on, printed with every table: CPU model, cores, torch, Python."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe() -> str:
    """One line: CPU model, logical cores, torch version and threads, Python version."""
    import torch

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} logical cores, {platform.system()}, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), Python {platform.python_version()}"
    )
