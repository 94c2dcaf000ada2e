"""Every fenced example of README.md runs, in README order, at a size CI can afford.

README.md is parsed when the test runs, so an example added to it later is run too. Every
fenced block is classified before anything runs, and a block or command line that this file
does not know how to run fails the test with its README line:

- a ```python block runs as a script in a fresh interpreter;
- a ```bash block runs line by line, continuation lines (``\\`` at the end) joined and
  comments (``# ...``) stripped:

  - ``deeprg ...`` runs through the installed console script (``deeprg`` beside
    ``sys.executable``; ``python -m deeprg`` does not exist);
  - ``make TARGET`` runs the Makefile's recipe for TARGET when that recipe is a single
    ``$(VENV)/bin/deeprg ...`` command (``make reproduce``): the deeprg command itself, not
    make, which would build a virtual environment. A comment that names the equivalent
    ``deeprg`` command must agree with the Makefile.

The one line that is never run is ``make test`` (:data:`NOT_RUN`): it is the command that
runs this very test suite, and CI runs it (``.ci/run``).

All examples share one temporary working directory, in README order, so the files one
example writes (``s.h5``, ``m.h5``, ``sw/``) are what later ones read. Inputs the README
expects the reader to bring are written when a command names them (:data:`INPUT_FILES`:
``digits.csv`` is scikit-learn's bundled 8×8 digits with a header row). Placeholders such
as ``<settings.seed of that point>`` are filled from the output of earlier examples
(:data:`PLACEHOLDERS`), never skipped.

The long examples run at a CI-sized scale through one table of textual substitutions,
:data:`SCALE_SUBSTITUTIONS`, applied to each example before it runs. Each entry changes
only the scale (samples, epochs, lattice size, number of grid points), never which command,
preset, transform or code path runs, and each must match a README example, so a stale entry
fails. Every command must exit with status 0 and every Python block must run without error.
Where the README states a cheap, checkable output, :data:`OUTPUT_CHECKS` checks it (and each
check must match an example too).

Every command runs with one OpenMP thread (:data:`COMMAND_ENVIRONMENT`). The whole
file runs in about a minute on an idle two-core machine. It is marked ``slow`` (long training
tests), which CI does not deselect: CI runs a plain ``python -m pytest``.
"""

from __future__ import annotations

import collections
import csv
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MAKEFILE = ROOT / "Makefile"
COMMAND_TIMEOUT_S = 300
# One torch/OpenMP thread per command: the examples are tiny, and on a shared two-core
# machine a second thread stalls them (as in conftest's one_torch_thread). Sweep workers
# are single-threaded anyway; the numbers do not depend on it.
COMMAND_ENVIRONMENT = {"OMP_NUM_THREADS": "1"}

NOT_RUN = {
    "make test": "it runs this very test suite (python -m pytest), and CI runs it (.ci/run)",
}

# One reproduction at CI size: every option below only shrinks a count of the preset it
# is added to (samples, epochs, generated and analysed samples, Gibbs steps).
TINY_REPRODUCTION = (
    "--samples 400 --epochs 2 --generated 50 --generation-steps 10 --analysis-samples 400"
)

# README text -> what runs instead. Only the scale changes; each entry must match.
SCALE_SUBSTITUTIONS = (
    # the main job (``make reproduce``) keeps the quick preset, with tiny counts: the full
    # quick preset already runs in CI in tests/test_reproduce.py
    ("--preset quick --out results/", f"--preset quick {TINY_REPRODUCTION} --out results/"),
    # the paper preset stays the paper preset (40×40, 1600-400-100-25), with tiny counts
    ("--preset paper --out paper/", f"--preset paper {TINY_REPRODUCTION} --out paper/"),
    # the sweeps: 2 couplings of one size instead of 4 × 2 (both on the local Dask cluster,
    # a list and a range); the range form gives the same grid, so the rerun reuses it
    (
        "--couplings 0.36,0.40,0.44,0.48 --sizes 16,24 --preset quick",
        f"--couplings 0.36,0.40 --sizes 16 --preset quick {TINY_REPRODUCTION}",
    ),
    (
        "--couplings 0.36:0.48:4 --sizes 16,24",
        f"--couplings 0.36:0.40:2 --sizes 16 {TINY_REPRODUCTION}",
    ),
    # "one point, two ways": the point's reproduction at the sweep's scale, so the README's
    # claim that it gives the same numbers can be checked
    (
        "--preset quick --size 16 --coupling 0.4",
        f"--preset quick {TINY_REPRODUCTION} --size 16 --coupling 0.4",
    ),
    # Monte Carlo RG: 32×32 keeps the three blocking steps that "best" (steps 2-3) uses
    ("rg exponents --size 64", "rg exponents --size 32 --samples 2000"),
    ("--transform learned --out exp/", "--transform learned --epochs 1 --out exp/"),
    # the tour: the paper's sample count and epochs
    ("--samples 20000", "--samples 500"),
    ("--epochs 200", "--epochs 2"),
    ("n_samples=20_000", "n_samples=500"),
    ("epochs=200", "epochs=2"),
)

EXACT_ENERGY_PER_SPIN = -0.469943029513  # L = 40, J = 0.408 (Kaufman), as the README states
EXACT_ENERGY_IN_UNITS_OF_J = -1.151821  # the same energy divided by J, as the README states
SHELL_SYNTAX = re.compile(r"[|;&<>$`]")
PLACEHOLDER = re.compile(r"<([^<>\n]+)>")
FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
RUNNERS = {"bash": "shell", "sh": "shell", "shell": "shell", "python": "python"}


# --- the README's examples ------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A fenced block of the README.

    Attributes
    ----------
    language : str
        The first word of the info string, lower case ("" if none).
    lines : tuple of str
        The block's lines, without the fences.
    first_line : int
        The README line number of the block's first line.
    """

    language: str
    lines: tuple[str, ...]
    first_line: int


@dataclass(frozen=True)
class Example:
    """One runnable example: a deeprg command line, or a whole Python block.

    Attributes
    ----------
    kind : {"deeprg", "python"}
        How it runs.
    text : str
        What runs: the command line or the Python source, after the scale substitutions.
    readme_line : int
        Where it starts in the README.
    readme_text : str
        The README's own text of it (the line as written, or the block).
    """

    kind: str
    text: str
    readme_line: int
    readme_text: str


@dataclass
class Plan:
    """The README's examples in order, and everything that cannot be run.

    Attributes
    ----------
    examples : list of Example
        What runs, in README order.
    problems : list of str
        One message per block or line that this file does not know how to run.
    substitution_counts : collections.Counter
        Matches of each entry of :data:`SCALE_SUBSTITUTIONS`.
    """

    examples: list[Example] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    substitution_counts: collections.Counter = field(default_factory=collections.Counter)


def fenced_blocks(markdown: str) -> list[Block]:
    """Split Markdown into its fenced code blocks.

    Parameters
    ----------
    markdown : str
        The document.

    Returns
    -------
    list of Block
        In document order. An unclosed fence raises AssertionError.
    """
    blocks = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        index += 1
        if not opening:
            continue
        fence = opening["fence"]
        words = opening["info"].split()
        language = words[0].lower() if words else ""
        start = index
        while index < len(lines):
            closing = FENCE.match(lines[index])
            if closing and closing["fence"][0] == fence[0] and len(closing["fence"]) >= len(fence):
                break
            index += 1
        else:
            raise AssertionError(f"README line {start}: unclosed fence {fence}")
        blocks.append(Block(language, tuple(lines[start:index]), start + 1))
        index += 1
    return blocks


def split_comment(line: str) -> tuple[str, str]:
    """Split a shell line into its code and its ``# ...`` comment.

    Parameters
    ----------
    line : str
        One (joined) shell line.

    Returns
    -------
    code, comment : str
        Both stripped; the comment without its ``#``.
    """
    match = re.search(r"(^|\s)#(.*)$", line)
    if not match:
        return line.strip(), ""
    return line[: match.start()].strip(), match[2].strip()


def shell_lines(block: Block) -> list[tuple[int, str]]:
    """Join a shell block's continuation lines.

    Parameters
    ----------
    block : Block
        A bash block.

    Returns
    -------
    list of (int, str)
        Each logical line with the README line number where it starts; blank lines dropped.
    """
    joined = []
    pending, pending_line = "", 0
    for offset, line in enumerate(block.lines):
        if not pending:
            pending_line = block.first_line + offset
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical = pending + line
        pending = ""
        if logical.strip():
            joined.append((pending_line, " ".join(logical.split())))
    assert not pending, f"README line {pending_line}: the block ends inside a continuation"
    return joined


def makefile_deeprg_command(target: str) -> str | None:
    """The deeprg command a make target runs, if its recipe is exactly one.

    Parameters
    ----------
    target : str
        A Makefile target.

    Returns
    -------
    str or None
        ``deeprg ...`` for a recipe of one ``$(VENV)/bin/deeprg ...`` line, else None.
    """
    lines = MAKEFILE.read_text().splitlines()
    for index, line in enumerate(lines):
        if re.match(rf"^{re.escape(target)}\s*:", line):
            recipe = []
            for body in lines[index + 1 :]:
                if not body.startswith("\t"):
                    break
                recipe.append(body.strip())
            if len(recipe) == 1 and recipe[0].startswith("$(VENV)/bin/deeprg "):
                return "deeprg " + recipe[0].removeprefix("$(VENV)/bin/deeprg ")
            return None
    return None


def scale_down(text: str, counts: collections.Counter) -> str:
    """Apply :data:`SCALE_SUBSTITUTIONS` in one pass (a replacement is never re-replaced).

    Parameters
    ----------
    text : str
        An example as the README writes it.
    counts : collections.Counter
        Incremented once per match of each entry.

    Returns
    -------
    str
        The example at CI scale.
    """
    replacements = dict(SCALE_SUBSTITUTIONS)
    pattern = re.compile(
        "|".join(re.escape(old) for old in sorted(replacements, key=len, reverse=True))
    )

    def replace(match: re.Match) -> str:
        counts[match[0]] += 1
        return replacements[match[0]]

    return pattern.sub(replace, text)


def plan_shell_line(line_number: int, line: str, plan: Plan) -> None:
    """Classify one logical shell line and add what runs to ``plan``.

    Parameters
    ----------
    line_number : int
        README line where it starts.
    line : str
        The joined line, comment included.
    plan : Plan
        Receives the example or the problem.
    """
    code, comment = split_comment(line)
    if not code:
        return
    if code in NOT_RUN:
        return
    command = code
    make = re.fullmatch(r"make (\S+)", code)
    if make:
        command = makefile_deeprg_command(make[1])
        if command is None:
            plan.problems.append(
                f"README line {line_number}: `{code}` is not one deeprg command in the "
                "Makefile, and this test does not know how to run it"
            )
            return
        if comment.startswith("deeprg ") and " ".join(comment.split()) != command:
            plan.problems.append(
                f"README line {line_number}: the comment says `{code}` is `{comment}`, "
                f"but the Makefile runs `{command}`"
            )
            return
    if not command.startswith("deeprg "):
        plan.problems.append(
            f"README line {line_number}: this test does not know how to run `{code}`"
        )
        return
    for name in PLACEHOLDER.findall(command):
        if name not in PLACEHOLDERS:
            plan.problems.append(
                f"README line {line_number}: no way to fill the placeholder <{name}> "
                f"in `{code}` (add it to PLACEHOLDERS)"
            )
            return
    if SHELL_SYNTAX.search(PLACEHOLDER.sub("", command)):
        plan.problems.append(
            f"README line {line_number}: `{code}` uses shell syntax this test does not run"
        )
        return
    plan.examples.append(
        Example("deeprg", scale_down(command, plan.substitution_counts), line_number, line)
    )


def readme_plan(markdown: str) -> Plan:
    """Classify every fenced block of the README.

    Parameters
    ----------
    markdown : str
        The README.

    Returns
    -------
    Plan
        The examples to run in order and the problems found.
    """
    plan = Plan()
    for block in fenced_blocks(markdown):
        runner = RUNNERS.get(block.language)
        if runner == "python":
            source = "\n".join(block.lines) + "\n"
            plan.examples.append(
                Example(
                    "python",
                    scale_down(source, plan.substitution_counts),
                    block.first_line,
                    source,
                )
            )
        elif runner == "shell":
            for line_number, line in shell_lines(block):
                plan_shell_line(line_number, line, plan)
        else:
            plan.problems.append(
                f"README line {block.first_line - 1}: no runner for a "
                f"```{block.language} block (starts with {block.lines[:1]})"
            )
    return plan


# --- inputs, placeholders ---------------------------------------------------------------------


def option_value(argv: list[str], option: str) -> str | None:
    """The value of ``--option VALUE`` or ``--option=VALUE`` in ``argv`` (the last one).

    Parameters
    ----------
    argv : list of str
        A command line.
    option : str
        For example ``"--out"``.

    Returns
    -------
    str or None
        Its value, or None when absent.
    """
    value = None
    for index, word in enumerate(argv):
        if word == option and index + 1 < len(argv):
            value = argv[index + 1]
        elif word.startswith(option + "="):
            value = word.split("=", 1)[1]
    return value


def write_digits_csv(path: Path) -> None:
    """Write scikit-learn's bundled 8×8 digits as a CSV table with a header row.

    Parameters
    ----------
    path : Path
        The file to write (1797 rows of 64 pixel values in 0..16).
    """
    from sklearn.datasets import load_digits

    pixels = load_digits().data
    header = ",".join(f"pixel_{column}" for column in range(pixels.shape[1]))
    np.savetxt(path, pixels, fmt="%d", delimiter=",", header=header, comments="")


INPUT_FILES: dict[str, Callable[[Path], None]] = {"digits.csv": write_digits_csv}


def sweep_points(workdir: Path) -> list[dict]:
    """The ``metrics.json`` of every sweep point written under ``workdir`` so far.

    Parameters
    ----------
    workdir : Path
        The shared working directory.

    Returns
    -------
    list of dict
        Parsed files that carry a ``sweep_point`` record.
    """
    points = []
    for path in sorted(workdir.rglob("points/*/metrics.json")):
        metrics = json.loads(path.read_text())
        if "sweep_point" in metrics:
            points.append(metrics)
    return points


def seed_of_that_point(argv: list[str], workdir: Path) -> str:
    """Fill ``<settings.seed of that point>``: the seed of the sweep point the command names.

    Parameters
    ----------
    argv : list of str
        The command, whose ``--size``, ``--coupling`` (and ``--layers``) name the point.
    workdir : Path
        Where an earlier example ran the sweep.

    Returns
    -------
    str
        ``settings.seed`` from that point's ``metrics.json``.
    """
    size, coupling = option_value(argv, "--size"), option_value(argv, "--coupling")
    assert size and coupling, f"`{shlex.join(argv)}` names no --size and --coupling"
    layers = option_value(argv, "--layers")
    seeds = {
        point["settings"]["seed"]
        for point in sweep_points(workdir)
        if point["settings"]["size"] == int(size)
        and math.isclose(point["settings"]["coupling"], float(coupling))
        and (layers is None or point["settings"]["layers"] == [int(n) for n in layers.split(",")])
    }
    assert len(seeds) == 1, (
        f"expected one sweep point at L = {size}, J = {coupling} under {workdir} "
        f"(an earlier example's sweep), found seeds {sorted(seeds)}"
    )
    return str(seeds.pop())


PLACEHOLDERS: dict[str, Callable[[list[str], Path], str]] = {
    "settings.seed of that point": seed_of_that_point,
}


def command_argv(command: str, workdir: Path) -> list[str]:
    """Split a deeprg command line and fill its placeholders from earlier output.

    Parameters
    ----------
    command : str
        The command at CI scale, placeholders included.
    workdir : Path
        The shared working directory.

    Returns
    -------
    list of str
        The argument vector, ``deeprg`` first.
    """
    names = PLACEHOLDER.findall(command)
    marked = command
    for index, name in enumerate(names):
        marked = marked.replace(f"<{name}>", f"__placeholder_{index}__", 1)
    argv = shlex.split(marked)
    for index, name in enumerate(names):
        value = PLACEHOLDERS[name](argv, workdir)
        argv = [value if word == f"__placeholder_{index}__" else word for word in argv]
    return argv


def deeprg_executable() -> str:
    """The installed ``deeprg`` console script (beside the running interpreter first)."""
    beside = Path(sys.executable).with_name("deeprg")
    if beside.exists():
        return str(beside)
    found = shutil.which("deeprg")
    assert found, "the deeprg console script is not installed (pip install -e .)"
    return found


# --- output checks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What an example did.

    Attributes
    ----------
    text : str
        What ran (command line with placeholders filled, or Python source).
    argv : list of str
        The command's arguments (empty for Python).
    stdout : str
        Its standard output.
    workdir : Path
        The shared working directory.
    """

    text: str
    argv: list[str]
    stdout: str
    workdir: Path


def labelled_value(stdout: str, label: str) -> float:
    """The number after the first line that starts with ``label`` (after indentation)."""
    for line in stdout.splitlines():
        if line.strip().startswith(label):
            return float(line.strip()[len(label) :].split()[0])
    raise AssertionError(f"no line '{label} ...' in:\n{stdout}")


def check_exact_torus_energy(outcome: Outcome) -> None:
    """Conventions: at J = 0.408, L = 40 the exact energy per spin is -0.469943 (-1.151821 J)."""
    energy = labelled_value(outcome.stdout, "energy per spin <H>/N")
    assert energy == pytest.approx(EXACT_ENERGY_PER_SPIN, abs=1e-12)
    in_units_of_j = labelled_value(outcome.stdout, "energy per spin in units of J")
    assert in_units_of_j == pytest.approx(EXACT_ENERGY_IN_UNITS_OF_J, abs=5e-7)


def check_rg_table_passes(outcome: Outcome) -> None:
    """``deeprg rg check`` prints the exact-mapping table and its verdict, PASSED."""
    assert outcome.stdout.strip().splitlines()[-1].startswith("PASSED"), outcome.stdout


def check_reproduction_files(outcome: Outcome) -> None:
    """A reproduction writes report.html, metrics.json, and the sample and model files."""
    out = outcome.workdir / option_value(outcome.argv, "--out")
    for name in ("report.html", "metrics.json", "samples.h5", "model.h5"):
        assert (out / name).is_file(), f"{out / name} missing"
    assert list(out.glob("*.png")), f"no figures in {out}"


def check_one_point_two_ways(outcome: Outcome) -> None:
    """A point reproduced alone with the sweep point's seed gives that point's numbers."""
    seed = int(option_value(outcome.argv, "--seed"))
    (point,) = [p for p in sweep_points(outcome.workdir) if p["settings"]["seed"] == seed]
    alone = json.loads(
        (outcome.workdir / option_value(outcome.argv, "--out") / "metrics.json").read_text()
    )
    assert alone["settings"] == point["settings"]

    def values(metrics: dict) -> str:
        return json.dumps(
            {k: v.get("value") for k, v in metrics["metrics"].items()}, sort_keys=True
        )

    assert values(alone) == values(point)


def check_sweep_files(outcome: Outcome) -> None:
    """A sweep writes points/<key>/metrics.json, sweep.csv (point × layer) and report.html."""
    out = outcome.workdir / option_value(outcome.argv, "--out")
    points = [json.loads(p.read_text()) for p in sorted(out.glob("points/*/metrics.json"))]
    assert points, f"no points/<key>/metrics.json in {out}"
    assert (out / "report.html").is_file()
    with open(out / "sweep.csv", newline="") as table:
        rows = list(csv.DictReader(table))
    # one row per point × layer, where layer 0 is the data
    assert len(rows) == sum(len(p["settings"]["layers"]) + 1 for p in points)


def check_exponents_json(outcome: Outcome) -> None:
    """Majority rule reproduces y_T = 1 and y_h = 15/8; best uses blocking steps 2-3."""
    data = json.loads(outcome.stdout)
    best = data["best"]
    assert best["levels"] == [2, 3], best
    assert abs(best["y_T"] - 1.0) < 0.2 and abs(best["y_h"] - 1.875) < 0.05, best


def check_exponents_out(outcome: Outcome) -> None:
    """``--out`` writes report.html, and with the learned transform its levels as model.h5."""
    out = outcome.workdir / option_value(outcome.argv, "--out")
    names = ["report.html", "exponents.json"]
    if option_value(outcome.argv, "--transform") == "learned":
        names.append("model.h5")
    for name in names:
        assert (out / name).is_file(), f"{out / name} missing"


def check_digit_features(outcome: Outcome) -> None:
    """``deeprg transform`` gives 16 features per digit image, one row per image."""
    with open(outcome.workdir / option_value(outcome.argv, "--out"), newline="") as table:
        header, *rows = list(csv.reader(table))
    assert header == [f"h{unit}" for unit in range(16)]
    assert len(rows) == 1797 and all(len(row) == 16 for row in rows)


def check_tour_exact_energy(outcome: Outcome) -> None:
    """The tour prints the exact <H>/N = -0.469943029513."""
    printed = []
    for line in outcome.stdout.splitlines():
        try:
            printed.append(float(line))
        except ValueError:
            continue
    assert any(abs(value - EXACT_ENERGY_PER_SPIN) < 5e-13 for value in printed), outcome.stdout


def check_tour_decimation(outcome: Outcome) -> None:
    """The tour prints decimation couplings with tanh J' = tanh^2 J, starting at J = 1."""
    (line,) = [line for line in outcome.stdout.splitlines() if line.startswith("[")]
    couplings = np.array(line.strip("[]").split(), dtype=float)
    assert len(couplings) == 5 and couplings[0] == 1.0, line
    np.testing.assert_allclose(np.tanh(couplings[1:]), np.tanh(couplings[:-1]) ** 2, rtol=1e-6)


# (regex searched in what runs, check). Each must match at least one example.
OUTPUT_CHECKS: tuple[tuple[str, Callable[[Outcome], None]], ...] = (
    (r"^deeprg exact ising2d --size 40 --coupling 0\.408(\s|$)", check_exact_torus_energy),
    (r"^deeprg rg check(\s|$)", check_rg_table_passes),
    (r"^deeprg reproduce mehta-schwab ", check_reproduction_files),
    (r"^deeprg reproduce mehta-schwab .*--seed ", check_one_point_two_ways),
    (r"^deeprg sweep mehta-schwab ", check_sweep_files),
    (r"^deeprg rg exponents .*--transform majority .*--json", check_exponents_json),
    (r"^deeprg rg exponents .*--out ", check_exponents_out),
    (r"^deeprg transform .* --out features\.csv", check_digit_features),
    (r"exact\.torus\(40, 0\.408\)\.energy_per_spin", check_tour_exact_energy),
    (r"rg\.decimation_couplings\(1\.0, 4\)", check_tour_decimation),
)


# --- running ----------------------------------------------------------------------------------


def output_tail(result: subprocess.CompletedProcess) -> str:
    """The last lines of a finished process's output, for a failure message."""
    return f"stdout:\n{result.stdout[-2000:]}\nstderr:\n{result.stderr[-3000:]}"


def run_example(example: Example, workdir: Path) -> Outcome:
    """Run one example in ``workdir`` and require success.

    Parameters
    ----------
    example : Example
        A deeprg command line or a Python block.
    workdir : Path
        The shared working directory.

    Returns
    -------
    Outcome
        What ran and what it printed.
    """
    if example.kind == "python":
        script = workdir / f"readme_line_{example.readme_line}.py"
        script.write_text(example.text)
        argv, shown = [sys.executable, script.name], []
    else:
        shown = command_argv(example.text, workdir)
        for word in shown[1:]:
            if word in INPUT_FILES and not (workdir / word).exists():
                INPUT_FILES[word](workdir / word)
        argv = [deeprg_executable(), *shown[1:]]
    result = subprocess.run(
        argv,
        cwd=workdir,
        env={**os.environ, **COMMAND_ENVIRONMENT},
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
    )
    what = shlex.join(shown) if shown else f"the Python block at README line {example.readme_line}"
    assert result.returncode == 0, (
        f"README line {example.readme_line}: `{what}` exited with status "
        f"{result.returncode}\n{output_tail(result)}"
    )
    return Outcome(shlex.join(shown) if shown else example.text, shown, result.stdout, workdir)


def unused_entries(plan: Plan) -> list[str]:
    """Entries of the tables that no README example uses (stale).

    Parameters
    ----------
    plan : Plan
        The README's plan.

    Returns
    -------
    list of str
        One message per stale substitution, output check, input file or placeholder.
    """
    stale = [
        f"SCALE_SUBSTITUTIONS entry {old!r} matches no README example"
        for old, _ in SCALE_SUBSTITUTIONS
        if not plan.substitution_counts[old]
    ]
    stale += [
        f"OUTPUT_CHECKS entry {pattern!r} matches no README example"
        for pattern, _ in OUTPUT_CHECKS
        if not any(re.search(pattern, example.text) for example in plan.examples)
    ]
    commands = [example.text.split() for example in plan.examples if example.kind == "deeprg"]
    stale += [
        f"INPUT_FILES entry {name!r} is named by no README command"
        for name in INPUT_FILES
        if not any(name in words for words in commands)
    ]
    stale += [
        f"PLACEHOLDERS entry <{name}> appears in no README command"
        for name in PLACEHOLDERS
        if not any(f"<{name}>" in example.text for example in plan.examples)
    ]
    return stale


# --- tests -------------------------------------------------------------------------------------


def test_every_readme_block_can_be_run_and_every_table_entry_is_used():
    plan = readme_plan(README.read_text())
    assert not plan.problems, "\n".join(plan.problems)
    assert plan.examples, "README.md has no runnable examples"
    assert not unused_entries(plan), "\n".join(unused_entries(plan))


def test_the_plan_finds_unknown_blocks_and_lines():
    # negative control: what this file cannot run is reported by its README line
    markdown = "\n".join(
        [
            "```bash",
            "deeprg exact ising1d --size 8 --coupling 0.5 \\",
            "    --json   # a comment",
            "make test",
            "pip install deeprg",
            "deeprg reproduce mehta-schwab --seed <the answer>",
            "```",
            "```text",
            "output",
            "```",
        ]
    )
    plan = readme_plan(markdown)
    assert [example.text for example in plan.examples] == [
        "deeprg exact ising1d --size 8 --coupling 0.5 --json"
    ]
    assert len(plan.problems) == 3
    assert "line 5" in plan.problems[0] and "pip install deeprg" in plan.problems[0]
    assert "line 6" in plan.problems[1] and "<the answer>" in plan.problems[1]
    assert "line 8" in plan.problems[2] and "```text" in plan.problems[2]


@pytest.mark.slow
def test_every_readme_example_runs(tmp_path):
    plan = readme_plan(README.read_text())
    assert not plan.problems, "\n".join(plan.problems)
    assert not unused_entries(plan), "\n".join(unused_entries(plan))
    for example in plan.examples:
        outcome = run_example(example, tmp_path)
        for pattern, check in OUTPUT_CHECKS:
            if re.search(pattern, outcome.text if example.kind == "deeprg" else example.text):
                check(outcome)
