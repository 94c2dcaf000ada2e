"""Shared checks of the robustness tests (``tests/test_robustness_*.py``).

* :func:`cli` runs a ``deeprg`` command in this process (click's runner), :func:`spawn`
  starts one as a subprocess in its own process group; :func:`stop` ends a subprocess by
  its PID (always called from a ``finally`` block).
* :func:`assert_refused` is the contract of a refused input or a failed write: exit status
  2, exactly one line on stderr that starts with ``error: ``, no traceback, no output file.
* :func:`check_file` validates any file deeprg writes (sample and model files with deeprg's
  own readers, JSON, PNG, HTML, CSV, torch checkpoints); :func:`check_tree` validates every
  non-temporary file of an output folder.
* :func:`digests` hashes input files, so that a test can assert they are unchanged.
* :func:`tally` counts what a test tried (inputs, faults, kills, ...); with the environment
  variable ``DEEPRG_ROBUSTNESS_TALLY`` set to a file, the counts are appended to it as JSON
  lines, from which the figures of the robustness report are summed.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import h5py
import numpy as np
from click.testing import CliRunner

from deeprg import io
from deeprg.cli import main
from deeprg.errors import InputError

#: One thread per library in every subprocess: lean on a shared 2-core machine, and the
#: same arithmetic in every run that is compared bit for bit.
SUBPROCESS_ENV = {
    **os.environ,
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "PYTHONWARNINGS": "ignore",
}

#: ``python -c`` program that runs the deeprg command line with the arguments after it.
_CLI_PROGRAM = "import sys; from deeprg.cli import main; main(prog_name='deeprg')"

#: Keys of metrics.json and of model files that measure time, not results.
TIMING_KEYS = frozenset(
    {
        "run_time",
        "wall_time_s",
        "burn_in_seconds",
        "worker_seconds",
        "seconds",
        "training_seconds",
        "extra_wall_time_s",
        "extra_burn_in_seconds",
    }
)


# ------------------------------------------------------------------------- tallies


def tally(**counts: int) -> None:
    """Add ``counts`` (e.g. ``inputs=3``) to the file named by ``DEEPRG_ROBUSTNESS_TALLY``."""
    target = os.environ.get("DEEPRG_ROBUSTNESS_TALLY")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(counts) + "\n")


# ------------------------------------------------------------------------- running


def cli(*args: object) -> object:
    """Run ``deeprg ARGS`` in this process; the click result (stdout and stderr apart)."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


def spawn(*args: object, stdout=subprocess.PIPE, stderr=subprocess.PIPE) -> subprocess.Popen:
    """Start ``deeprg ARGS`` as a subprocess in a new session (its own process group)."""
    return subprocess.Popen(
        [sys.executable, "-c", _CLI_PROGRAM, *map(str, args)],
        stdout=stdout,
        stderr=stderr,
        env=SUBPROCESS_ENV,
        start_new_session=True,
        text=True,
    )


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    """``sig`` to the process group that :func:`spawn` made for ``process`` (its PID)."""
    try:
        os.killpg(process.pid, sig)  # the process and its children (a sweep's workers)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, sig)


def stop(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to ``process`` and its children (by its PID) unless it ended; reap it."""
    if process.poll() is None:
        _signal_group(process, sig)
    try:
        process.communicate(timeout=30)
    except subprocess.TimeoutExpired:  # pragma: no cover - a stuck child
        _signal_group(process, signal.SIGKILL)
        process.communicate()


def run_to_end(*args: object, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``deeprg ARGS`` as a subprocess to the end (stopped by its PID on a timeout)."""
    process = spawn(*args)
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        stop(process)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def kill_after(args: tuple, delay: float, ready: Callable[[], bool] | None = None) -> str:
    """Start ``deeprg ARGS``, SIGKILL it ``delay`` seconds after ``ready()`` holds.

    Returns how the run ended: ``"killed"`` or ``"finished"`` (it ended before the kill).
    """
    process = spawn(*args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        start = time.monotonic()
        if ready is not None:
            while not ready() and process.poll() is None and time.monotonic() - start < 120:
                time.sleep(0.02)
        deadline = time.monotonic() + delay
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        ended = process.poll() is not None
    finally:
        stop(process, signal.SIGKILL)
    if ended:
        assert process.returncode == 0, process.stderr.read() if process.stderr else ""
        return "finished"
    return "killed"


# ------------------------------------------------------------------------- contracts


def error_lines(result) -> list[str]:
    """The non-empty lines a click result printed on stderr."""
    return [line for line in result.stderr.splitlines() if line.strip()]


def assert_one_line_error(result, *words: str, logs: bool = False) -> str:
    """Exit status 2, one ``error: ...`` line on stderr naming ``words``, no traceback.

    Click's own usage errors (an option of the wrong type, a missing argument) are the one
    exception to the single line: click prints its usage block, and then ``Error: ...``;
    these are accepted when the last line names the problem. With ``logs`` (a run that
    failed midway), the progress lines it printed before are allowed: the error is then
    the last line, and the only one that says ``error``.
    """
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    text = result.output + result.stderr
    tally(error_outputs_checked=1, tracebacks_seen=int("Traceback" in text))
    assert "Traceback" not in text, text
    lines = error_lines(result)
    assert lines, result.output
    if lines[-1].startswith("Error: "):  # click's usage error (see above)
        message = lines[-1]
    else:
        message = lines[-1]
        assert message.startswith("error: "), lines
        if logs:
            assert sum(line.lower().startswith("error") for line in lines) == 1, lines
        else:
            assert len(lines) == 1, lines
    for word in words:
        assert word.lower() in message.lower(), (word, message)
    return message


def temporary(path: Path) -> bool:
    """A writer's temporary file (``.name.XXXX.tmp``), not an output."""
    return path.name.startswith(".") and ".tmp" in path.name


def assert_no_output(*paths: Path) -> None:
    """None of ``paths`` exists, and no temporary file is left beside them."""
    for path in paths:
        path = Path(path)
        left = []
        if path.parent.is_dir():
            left = [p.name for p in path.parent.iterdir() if temporary(p)]
        tally(partial_files=int(path.exists()) + len(left))
        assert not path.exists(), f"{path} was written"
        assert not left, f"temporary files left in {path.parent}: {left}"


def assert_refused(result, *words: str, outputs: tuple = (), inputs: dict | None = None) -> str:
    """The whole contract of a refusal: one line, exit 2, no output, inputs unchanged."""
    message = assert_one_line_error(result, *words)
    assert_no_output(*outputs)
    if inputs is not None:
        changed = digests(*inputs) != inputs
        tally(inputs_hashed=len(inputs), inputs_changed=int(changed))
        assert not changed, "an input file was changed"
    return message


def digests(*paths: Path) -> dict[Path, str]:
    """SHA-256 of each file (every file below each folder), keyed by path."""
    found = {}
    for path in map(Path, paths):
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            found[file] = hashlib.sha256(file.read_bytes()).hexdigest()
    return found


# ------------------------------------------------------------------------- validity


def _check_hdf5(path: Path) -> None:
    with h5py.File(path, "r") as f:
        kind = f.attrs.get("format")
        conv = (
            kind == io.MODEL_FORMAT
            and "layers" in f
            and any(str(g.attrs.get("kind", "")) == "conv" for g in f["layers"].values())
        )
        if kind not in (io.SAMPLES_FORMAT, io.MODEL_FORMAT):
            f.visititems(lambda name, node: node[()] if isinstance(node, h5py.Dataset) else None)
    if kind == io.SAMPLES_FORMAT:
        io.load_samples(path)
    elif conv:
        io.load_conv_layers(path)
    elif kind == io.MODEL_FORMAT:
        io.load_layers(path)


def _check_png(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        image.load()


def check_file(path: Path) -> None:
    """Raise AssertionError unless ``path`` is a complete, valid file of its kind."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if path.name == ".deeprg.lock":
            return  # the lock itself: empty by design
        if suffix in (".h5", ".hdf5"):
            _check_hdf5(path)
        elif suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif suffix == ".png":
            _check_png(path)
        elif suffix == ".html":
            text = path.read_text(encoding="utf-8")
            assert text.rstrip().endswith("</html>"), "report ends early"
        elif suffix == ".csv":
            import csv

            rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
            assert rows and len({len(row) for row in rows}) == 1, "ragged CSV"
        elif suffix in (".pt", ".ckpt"):
            import torch

            torch.load(path, map_location="cpu", weights_only=True)
        elif suffix == ".npy":
            np.load(path, allow_pickle=False)
        else:
            raise AssertionError(f"unknown kind of output {path.name}; teach check_file")
    except (InputError, OSError, ValueError, KeyError, RuntimeError, EOFError) as exc:
        raise AssertionError(f"{path} is not a valid file: {type(exc).__name__}: {exc}") from exc


def check_tree(folder: Path) -> int:
    """Validate every non-temporary file below ``folder``; returns how many were checked."""
    checked = 0
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and not temporary(path):
            try:
                check_file(path)
            except AssertionError:
                tally(corrupt_files=1)
                raise
            checked += 1
    tally(files_validated=checked)
    return checked


class FolderWatcher:
    """Validates every file that appears or changes in a folder while a run writes it.

    Call :meth:`poll` repeatedly; a file that vanishes between listing and reading (a
    checkpoint removed once its layer is done) is skipped, any other failure is an error.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.seen: dict[Path, tuple] = {}
        self.validated = 0

    def poll(self) -> None:
        if not self.folder.is_dir():
            return
        for path in list(self.folder.rglob("*")):
            try:
                if not path.is_file() or temporary(path):
                    continue
                stat = path.stat()
            except FileNotFoundError:
                continue
            signature = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
            if self.seen.get(path) == signature:
                continue
            try:
                check_file(path)
            except AssertionError:
                if not path.exists() or path.stat().st_ino != stat.st_ino:
                    continue  # replaced or removed while it was read: read the new one next
                tally(corrupt_files=1)
                raise
            self.seen[path] = signature
            self.validated += 1


# ------------------------------------------------------------------------- comparisons


def strip_timing(value: object) -> object:
    """``value`` (parsed JSON) without its timing entries (see :data:`TIMING_KEYS`)."""
    if isinstance(value, dict):
        return {k: strip_timing(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [strip_timing(v) for v in value]
    return value


def hdf5_contents(path: Path) -> dict[str, object]:
    """Every dataset (as bytes) and attribute of an HDF5 file, timing entries left out."""
    contents: dict[str, object] = {}
    with h5py.File(path, "r") as f:

        def visit(name: str, node) -> None:
            if name.rsplit("/", 1)[-1] in TIMING_KEYS:
                return
            if isinstance(node, h5py.Dataset):
                data = node[()]
                contents[name] = (str(data.dtype), np.shape(data), np.asarray(data).tobytes())
            for key, value in node.attrs.items():
                if key not in TIMING_KEYS:
                    contents[f"{name}@{key}"] = _comparable(key, value)

        for key, value in f.attrs.items():
            if key not in TIMING_KEYS:
                contents[f"@{key}"] = _comparable(key, value)
        f.visititems(visit)
    return contents


def _comparable(key: str, value: object) -> object:
    if key in ("history", "settings") and isinstance(value, str):
        with contextlib.suppress(ValueError):
            return json.dumps(strip_timing(json.loads(value)), sort_keys=True)
    if isinstance(value, np.ndarray):
        return (str(value.dtype), value.shape, value.tobytes())
    return value


# ------------------------------------------------------------------------- faults


@contextlib.contextmanager
def disk_full(monkeypatch, names: Callable[[str], bool]) -> Iterator[list[str]]:
    """Make deeprg's atomic writes of files whose name satisfies ``names`` hit a full disk.

    The temporary file of such a write is a link to ``/dev/full``, so the real writer
    (h5py, numpy, matplotlib, a text write) fails inside the operating system with ENOSPC,
    as it would on a full disk. Yields the list of names that failed.
    """
    if not os.path.exists("/dev/full"):  # pragma: no cover - not Linux
        import pytest

        pytest.skip("needs /dev/full")
    failed: list[str] = []
    real = tempfile.mkstemp

    def mkstemp(suffix=None, prefix=None, dir=None, text=False):
        fd, name = real(suffix=suffix, prefix=prefix, dir=dir, text=text)
        final = (prefix or "")[1:-1].rsplit(".", 1)[0]  # ".NAME.PID-HOST." -> NAME
        if dir is not None and suffix == ".tmp" and names(final):
            os.unlink(name)
            os.symlink("/dev/full", name)
            failed.append(final)
        return fd, name

    monkeypatch.setattr(io.tempfile, "mkstemp", mkstemp)
    yield failed


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` (and every folder below it) read-only, for root too; undone on exit.

    As root, permissions do not stop writes, so the folders get the immutable attribute
    (``chattr +i``) instead of mode 0555; the test is skipped where neither works.
    """
    import pytest

    folders = [Path(folder), *(p for p in Path(folder).rglob("*") if p.is_dir())]
    root = os.geteuid() == 0
    done: list[Path] = []
    try:
        for path in folders:
            if root:
                result = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
                if result.returncode != 0:
                    pytest.skip("cannot make a folder read-only here (chattr +i failed)")
            else:
                path.chmod(0o555)
            done.append(path)
        probe = Path(folder) / ".probe"
        try:
            probe.write_text("")
        except OSError as exc:
            assert exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
        else:  # pragma: no cover - a file system that ignores both
            probe.unlink()
            pytest.skip("this file system does not make folders read-only")
        yield
    finally:
        for path in done:
            if root:
                subprocess.run(["chattr", "-i", str(path)], capture_output=True)
            else:
                path.chmod(0o755)
