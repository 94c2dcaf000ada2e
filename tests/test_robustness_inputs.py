"""Property-based input tests: every command and every public reader, fed bad input.

Each bad input must end in exit status 2 with one line that names the problem (``error:
...``), no traceback, no output file, and the input files unchanged (by hash); a public
reader must raise :class:`deeprg.InputError` and nothing else. Inputs: arguments out of
range, NaN, ±inf, huge values and wrong types; truncated, damaged and foreign files (wrong
dtype or shape, missing attributes, spins that are not ±1, weights with NaN, random bytes,
flipped bits). Hypothesis runs derandomized, without an example database, so CI sees the
same examples every time.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import robustness_helpers as rh
from deeprg import io, readers
from deeprg.errors import InputError
from deeprg.ising import IsingSquare
from deeprg.samples import SampleSet

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FAST = settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FEW = settings(FAST, max_examples=8)

# ------------------------------------------------------------------------- strategies

#: Text that is no number at all (click refuses it for int/float options).
NOT_NUMBERS = st.sampled_from(["abc", "", "1,2", "0x10", "--", "nan%", "1e", "∞"])
NOT_INTEGERS = st.one_of(NOT_NUMBERS, st.sampled_from(["1.5", "nan", "inf", "1e3", "-0.1"]))
NON_FINITE = st.sampled_from(["nan", "inf", "-inf", "NaN", "+inf", "-Infinity"])


def beyond(limit: float) -> st.SearchStrategy[str]:
    """Finite numbers of either sign with |x| > limit, up to 1e308, as text."""
    return st.floats(min_value=limit * 1.0001, max_value=1e308).flatmap(
        lambda x: st.sampled_from([repr(x), repr(-x)])
    )


def ints(low: int | None = None, high: int | None = None) -> st.SearchStrategy[str]:
    return st.integers(min_value=low, max_value=high).map(str)


def floats_below(limit: float) -> st.SearchStrategy[str]:
    return st.floats(max_value=limit, exclude_max=True, allow_nan=False, min_value=-1e308).map(repr)


#: name -> (undecorated test, its strategies): rerun with more examples by the slow suite.
PROPERTIES: dict[str, tuple] = {}


def prop(chosen: settings, **strategies):
    """``@settings(chosen) @given(**strategies)``, remembering the test for the slow rerun."""

    def decorate(test):
        PROPERTIES[test.__name__] = (test, strategies)
        return chosen(given(**strategies)(test))

    return decorate


def B(option: str, values: st.SearchStrategy[str], word: str) -> st.SearchStrategy[tuple]:
    """A bad value for ``option``, and a word the one-line refusal must contain."""
    return st.tuples(st.just(option), values, st.just(word))


def fresh(base: Path) -> Path:
    """An empty folder of its own for one hypothesis example."""
    return Path(tempfile.mkdtemp(dir=base))


# ------------------------------------------------------------------------- fixtures


def _sample_set(size: int = 4, n: int = 40, seed: int = 0) -> SampleSet:
    model = IsingSquare(size, 0.3)
    spins = np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), (n, size, size))
    return SampleSet(model, spins, model.energy(spins), model.magnetization(spins), "wolff", 7)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A valid sample file, a trained model and one data file per reader (never changed)."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("inputs")
    io.save_samples(_sample_set(), folder / "samples.h5")
    result = rh.cli(
        "train",
        folder / "samples.h5",
        "--layers",
        "6,3",
        "--epochs",
        "1",
        "--batch-size",
        "20",
        "--seed",
        "1",
        "--out",
        folder / "model.h5",
        "--no-progress",
    )
    assert result.exit_code == 0, result.output
    values = np.random.default_rng(2).random((12, 4))
    np.save(folder / "data.npy", values)
    np.savez(folder / "data.npz", x=values)
    (folder / "data.csv").write_text("a,b,c,d\n" + "\n".join(",".join(map(str, r)) for r in values))
    (folder / "data.tsv").write_text("\n".join("\t".join(map(str, r)) for r in values))
    with h5py.File(folder / "data.h5", "w") as f:
        f.create_dataset("x", data=values)
    (folder / "images").mkdir()
    for index in range(3):
        pixels = (np.random.default_rng(index).random((4, 4)) * 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / "images" / f"{index}.png")
    found = {p.name: p for p in folder.iterdir()}
    found["digests"] = rh.digests(folder)
    return found


@pytest.fixture
def unchanged(files):
    """Asserts, after the test, that no input file was changed, added or removed."""
    yield
    assert rh.digests(files["samples.h5"].parent) == files["digests"]


# ------------------------------------------------------------------------- arguments


@prop(
    FAST,
    bad=st.one_of(
        B("--size", ints(high=1), "size"),
        B("--size", ints(10**6 + 1, 10**30), "size"),
        B("--size", NOT_INTEGERS, "--size"),
        B("--coupling", NON_FINITE, "coupling"),
        B("--coupling", beyond(100.0), "coupling"),
        B("--coupling", st.floats(min_value=1e-300, max_value=9e-101).map(repr), "coupling"),
        B("--coupling", NOT_NUMBERS, "--coupling"),
    ),
)
def test_exact_ising2d_refuses_bad_arguments(bad):
    option, value, word = bad
    args = {"--size": "8", "--coupling": "0.4", option: value}
    result = rh.cli("exact", "ising2d", *[x for kv in args.items() for x in kv])
    rh.assert_refused(result, word)
    rh.tally(inputs=1)


@prop(
    FAST,
    bad=st.one_of(
        B("--size", ints(high=1), "size"),
        B("--size", NOT_INTEGERS, "--size"),
        B("--coupling", st.one_of(NON_FINITE, beyond(100.0)), "coup"),
        B("--field", st.one_of(NON_FINITE, beyond(100.0)), "field"),
        B("--distance", ints(2**64, 10**40), "distance"),
        B("--field", NOT_NUMBERS, "--field"),
    ),
)
def test_exact_ising1d_refuses_bad_arguments(bad):
    option, value, word = bad
    args = {"--size": "8", "--coupling": "0.4", option: value}
    result = rh.cli("exact", "ising1d", *[x for kv in args.items() for x in kv])
    rh.assert_refused(result, word)
    rh.tally(inputs=1)


#: One bad value per ``deeprg sample`` option, each refused before any sampling.
SAMPLE_BAD = st.one_of(
    B("--size", ints(high=1), "size"),
    B("--size", ints(10**6, 10**12), "memory"),
    B("--size", NOT_INTEGERS, "--size"),
    B("--coupling", NON_FINITE, "coupling"),
    B("--coupling", beyond(1e6), "coupling"),
    B("--field", st.one_of(NON_FINITE, beyond(1e6)), "field"),
    B("--samples", ints(high=0), "n_samples"),
    B("--samples", ints(10**13, 10**30), "memory"),
    B("--burn-in", ints(high=-1), "burn_in"),
    B("--burn-in", ints(2**62 + 1, 10**40), "burn_in"),
    B("--thin", ints(high=0), "thin"),
    B("--thin", ints(2**62 + 1, 10**40), "thin"),
    B("--chains", ints(high=0), "n_chains"),
    B("--seed", ints(high=-1), "seed"),
    B("--algorithm", st.sampled_from(["", "gibbs", "wolf", "1"]), "alg"),
    B("--device", st.sampled_from(["tpu", "gpu", "cuda:x"]), "device"),
    B("--samples", NOT_INTEGERS, "--samples"),
)


@prop(FAST, bad=SAMPLE_BAD, lattice=st.sampled_from(["ising2d", "ising1d"]))
def test_sample_refuses_bad_arguments(tmp_path, bad, lattice):
    option, value, word = bad
    if lattice == "ising1d" and word == "memory" and option == "--size":
        value = str(int(value) ** 2)  # as many spins as the square lattice would have
    args = {"--size": "4", "--coupling": "0.3", "--samples": "10", "--seed": "1", option: value}
    out = fresh(tmp_path) / "s.h5"
    result = rh.cli(
        "sample", lattice, *[x for kv in args.items() for x in kv], "--out", out, "--no-progress"
    )
    rh.assert_refused(result, word, outputs=(out,))
    rh.tally(inputs=1)


#: One bad value per ``deeprg train`` option (each refused before training).
TRAIN_BAD = st.one_of(
    B("--layers", st.sampled_from(["0", "-1", "a", "", "2,,3", "1.5"]), "layers"),
    B("--epochs", ints(high=0), "epochs"),
    B("--lr", st.one_of(NON_FINITE, floats_below(0.0), st.just("0")), "learning"),
    B("--lr", st.floats(3.5e38, 1e308).map(repr), "learning_rate"),  # beyond float32
    B("--lr", st.sampled_from(["1,2,3", "a", "0.1,x"]), "--lr"),
    B("--batch-size", ints(high=0), "batch_size"),
    B("--cd-k", ints(high=0), "cd_k"),
    B("--l1", st.one_of(NON_FINITE, floats_below(0.0)), "l1"),
    B("--l2", st.one_of(NON_FINITE, floats_below(0.0)), "l2"),
    B("--momentum", st.one_of(NON_FINITE, beyond(1.0)), "momentum"),
    B(
        "--validation-fraction",
        st.one_of(NON_FINITE, st.floats(1.0, 1e300).map(repr), floats_below(0.0)),
        "validation",
    ),
    B("--binarize", st.sampled_from(["abc", "nan", "inf", ""]), "binarize"),
    B("--seed", ints(high=-1), "seed"),
    B("--device", st.sampled_from(["tpu", "gpu", "cuda:x"]), "device"),
    B("--checkpoint-dir", st.just("/nonexistent/ck"), "checkpoint"),
    B("--key", st.just("x"), "--key"),
    B("--columns", st.sampled_from(["a", ",", "a,,b"]), "--columns"),
)


@prop(FAST, bad=TRAIN_BAD)
def test_train_refuses_bad_options(tmp_path, files, unchanged, bad):
    option, value, word = bad
    args = {"--layers": "3", "--epochs": "1", "--batch-size": "10", "--seed": "0", option: value}
    out = fresh(tmp_path) / "m.h5"
    result = rh.cli(
        "train",
        files["samples.h5"],
        *[x for kv in args.items() for x in kv],
        "--out",
        out,
        "--no-progress",
    )
    rh.assert_refused(result, word, outputs=(out,))
    rh.tally(inputs=1)


@prop(
    FAST,
    command=st.sampled_from(["transform", "reconstruct"]),
    bad=st.one_of(
        B("--depth", ints(high=0), "depth"),
        B("--depth", ints(3, 10**30), "depth"),
        B("--depth", NOT_INTEGERS, "--depth"),
        B("--out", st.sampled_from(["o.txt", "o", "o.h5x"]), "extension"),
        B("--missing", st.sampled_from(["keep", ""]), "--missing"),
        B("--dataset", st.sampled_from(["nope", "x/y"]), "dataset"),
    ),
)
def test_transform_and_reconstruct_refuse_bad_options(tmp_path, files, unchanged, command, bad):
    option, value, word = bad
    folder = fresh(tmp_path)
    args = {"--out": "o.csv", option: value}
    args["--out"] = str(folder / args["--out"])
    result = rh.cli(
        command, files["model.h5"], files["samples.h5"], *[x for kv in args.items() for x in kv]
    )
    rh.assert_refused(result, word)
    assert not any(folder.iterdir())
    rh.tally(inputs=1)


@prop(
    FAST,
    bad=st.one_of(
        B("--shape", st.sampled_from(["4", "4x5", "0x16", "axb", "-4x-4"]), ""),
        B("--max-units", ints(high=0), "max-units"),
        B("--max-units", NOT_INTEGERS, "--max-units"),
    ),
)
def test_inspect_refuses_bad_options(tmp_path, files, unchanged, bad):
    option, value, word = bad
    out = fresh(tmp_path) / "report"
    result = rh.cli("inspect", files["model.h5"], option, value, "--out", out)
    rh.assert_refused(result, word)
    assert not out.exists() or not any(out.iterdir())
    rh.tally(inputs=1)


@prop(
    FAST,
    bad=st.one_of(
        B("--size", st.sampled_from(["-2", "0", "7", "22", "1000000"]), "size"),
        B("--coupling", st.one_of(NON_FINITE, beyond(100.0)), "coupling"),
        B("--seed", ints(high=-1), "seed"),
        B("--figure", st.just("/nonexistent/flow.png"), "directory"),
    ),
)
def test_rg_check_refuses_bad_arguments(bad):
    option, value, word = bad
    result = rh.cli("rg", "check", option, value)
    rh.assert_refused(result, word)
    rh.tally(inputs=1)


@prop(
    FAST,
    bad=st.one_of(
        B("--size", st.sampled_from(["-8", "0", "7", "9", "6"]), "size"),
        B("--size", st.integers(5 * 10**5, 5 * 10**8).map(lambda n: str(2 * n)), "memory"),
        B("--samples", ints(high=99), "samples"),
        B("--coupling", st.one_of(NON_FINITE, beyond(1e6)), "coupling"),
        B("--seed", ints(high=-1), "seed"),
        B("--kernel-size", st.sampled_from(["0", "1", "9", "1000"]), "kernel"),
        B("--epochs", ints(high=0), "epochs"),
        B("--transform", st.sampled_from(["mean", ""]), "--transform"),
    ),
)
def test_rg_exponents_refuses_bad_arguments(tmp_path, bad):
    option, value, word = bad
    args = {"--size": "8", "--samples": "200", "--transform": "learned", option: value}
    out = fresh(tmp_path) / "exp"
    result = rh.cli(
        "rg", "exponents", *[x for kv in args.items() for x in kv], "--out", out, "--no-progress"
    )
    rh.assert_refused(result, word)
    assert not out.exists()  # refused before the folder is made
    rh.tally(inputs=1)


#: One bad setting of ``reproduce`` / ``sweep`` (each refused before any work).
SETTING_BAD = st.one_of(
    B("--samples", ints(high=9), "n_samples"),
    B("--layers", st.sampled_from(["0", "9,1", "-3", "2,0"]), "layer"),
    B("--layers", st.sampled_from(["a,b", "1.5"]), "--layers"),
    B("--epochs", ints(high=0), "epochs"),
    B("--lr", st.one_of(NON_FINITE, floats_below(0.0), st.just("0")), "learning_rate"),
    B("--batch-size", ints(high=0), "batch_size"),
    B("--cd-k", ints(high=0), "cd_k"),
    B("--l1", st.one_of(NON_FINITE, floats_below(0.0)), "l1"),
    B("--momentum", st.one_of(NON_FINITE, beyond(1.0)), "momentum"),
    B("--weight-init-std", st.one_of(NON_FINITE, floats_below(0.0)), "weight"),
    B("--generated", ints(high=1), "n_generated"),
    B("--generated", ints(10**13, 10**30), "memory"),
    B("--samples", ints(10**13, 10**30), "memory"),
    B("--layers", st.sampled_from(["1000000000000", "16,100000000000"]), "memory"),
    B("--generation-steps", ints(high=0), "generation_steps"),
    B("--analysis-samples", ints(high=1), "n_analysis"),
    B("--units", st.sampled_from(["gaussian", "x"]), "--units"),
)


@prop(
    FAST,
    bad=st.one_of(
        SETTING_BAD,
        B("--size", ints(high=1), "size"),
        B("--coupling", NON_FINITE, "coupling"),
        B("--coupling", beyond(100.0), "coupling"),
        B("--coupling", st.floats(1e-300, 9e-101).map(repr), "coupling"),
        B("--seed", st.one_of(ints(high=-1), ints(2**63, 10**30)), "seed"),
        B("--device", st.sampled_from(["tpu", "gpu0"]), "device"),
    ),
)
def test_reproduce_refuses_bad_settings_before_any_work(tmp_path, bad):
    option, value, word = bad
    out = fresh(tmp_path) / "run"
    result = rh.cli("reproduce", "mehta-schwab", "--size", "8", option, value, "--out", out)
    rh.assert_refused(result, word)
    assert not out.exists()
    rh.tally(inputs=1)


@prop(
    FAST,
    bad=st.one_of(
        SETTING_BAD,
        B("--couplings", st.sampled_from(["nan", "inf", "", "a", "1:2"]), "coupl"),
        B("--couplings", st.sampled_from(["0.3:0.5:0", "0.3:0.5:-2"]), "count"),
        B(
            "--couplings", st.sampled_from(["800", "0.4,150", "-150"]), "coupling"
        ),  # 1e-300 rounds to 0
        B("--sizes", st.sampled_from(["0", "3", "-8", "a", ""]), "size"),
        B("--repeats", ints(high=0), "repeats"),
        B("--seed", ints(high=-1), "seed"),
        B("--workers", ints(high=0), "workers"),
    ),
)
def test_sweep_refuses_bad_settings_before_any_work(tmp_path, bad):
    option, value, word = bad
    out = fresh(tmp_path) / "sweep"
    args = {"--couplings": "0.4", "--sizes": "16", option: value}
    result = rh.cli("sweep", "mehta-schwab", *[x for kv in args.items() for x in kv], "--out", out)
    rh.assert_refused(result, word)
    assert not out.exists()
    rh.tally(inputs=1)


# ------------------------------------------------------------------------- data files


def _write_data(array: np.ndarray, folder: Path, kind: str) -> tuple[Path, tuple]:
    """``array`` (rows x features) as a data file of ``kind``; the path and read options."""
    if kind == "npy":
        np.save(folder / "d.npy", array)
        return folder / "d.npy", ()
    if kind == "npz":
        np.savez(folder / "d.npz", values=array, other=np.arange(3))
        return folder / "d.npz", ("--key", "values")
    if kind in ("csv", "tsv"):
        sep = "," if kind == "csv" else "\t"
        lines = [sep.join(f"c{j}" for j in range(array.shape[1]))]
        lines += [sep.join(repr(float(v)) for v in row) for row in array]
        (folder / f"d.{kind}").write_text("\n".join(lines) + "\n")
        return folder / f"d.{kind}", ()
    with h5py.File(folder / "d.h5", "w") as f:
        f.create_dataset("values", data=array)
    return folder / "d.h5", ("--dataset", "values")


FINITE = st.floats(min_value=-1e308, max_value=1e308, allow_nan=False)


@prop(
    FAST,
    shape=st.tuples(st.integers(1, 6), st.integers(1, 4)),
    values=st.lists(FINITE, min_size=24, max_size=24),
    spot=st.tuples(st.integers(0, 5), st.integers(0, 3)),
    poison=st.sampled_from([np.nan, np.inf, -np.inf]),
    kind=st.sampled_from(["npy", "npz", "csv", "tsv", "h5"]),
    scale=st.sampled_from([(), ("--scale", "minmax"), ("--binarize", "median")]),
)
def test_train_refuses_data_with_nan_or_inf(tmp_path, shape, values, spot, poison, kind, scale):
    array = np.array(values[: shape[0] * shape[1]]).reshape(shape)
    array[spot[0] % shape[0], spot[1] % shape[1]] = poison
    folder = fresh(tmp_path)
    path, options = _write_data(array, folder, kind)
    before = rh.digests(path)
    out = folder / "m.h5"
    result = rh.cli("train", path, *options, *scale, "--layers", "2", "--out", out)
    rh.assert_refused(result, "NaN or Inf", outputs=(out,), inputs=before)
    rh.tally(inputs=1)


@prop(
    FAST,
    shape=st.tuples(st.integers(1, 6), st.integers(1, 4)),
    values=st.lists(st.floats(1.0, 1e308, exclude_min=True), min_size=24, max_size=24),
    sign=st.sampled_from([1.0, -1.0]),
    kind=st.sampled_from(["npy", "npz", "csv", "tsv", "h5"]),
)
def test_train_refuses_data_outside_the_units_range(tmp_path, shape, values, sign, kind):
    array = sign * np.array(values[: shape[0] * shape[1]]).reshape(shape)
    folder = fresh(tmp_path)
    path, options = _write_data(array, folder, kind)
    before = rh.digests(path)
    out = folder / "m.h5"
    result = rh.cli("train", path, *options, "--layers", "2", "--out", out)
    rh.assert_refused(result, "outside", outputs=(out,), inputs=before)
    rh.tally(inputs=1)


@prop(
    FAST,
    array=st.integers(1, 6).flatmap(
        lambda rows: st.lists(
            st.lists(FINITE, min_size=3, max_size=3), min_size=rows, max_size=rows
        )
    ),
    kind=st.sampled_from(["npy", "npz", "csv", "tsv", "h5"]),
)
def test_read_data_returns_exactly_the_numbers_written(tmp_path, array, kind):
    """The positive half of the property: every finite table is read back exactly."""
    array = np.array(array, dtype=np.float64)
    folder = fresh(tmp_path)
    path, options = _write_data(array, folder, kind)
    key = options[1] if options and options[0] == "--key" else None
    dataset = options[1] if options and options[0] == "--dataset" else "spins"
    rows, info = readers.read_data(path, key=key, dataset=dataset)
    np.testing.assert_array_equal(rows, array)
    assert info["n_rows"] == array.shape[0]
    rh.tally(inputs=1)


# ------------------------------------------------------------------------- damaged files


def _mutate_samples(path: Path, mutation: str, draw) -> str:
    """Damage the sample file at ``path`` in place; returns a word the refusal must name."""
    with h5py.File(path, "r+") as f:
        n = f["spins"].shape[0]
        if mutation == "spin not ±1":
            spins = f["spins"][()]
            index = (draw(st.integers(0, n - 1)), draw(st.integers(0, 3)), draw(st.integers(0, 3)))
            spins[index] = draw(st.sampled_from([0, 2, -2, 3, 127, -128]))
            del f["spins"]
            f["spins"] = spins
            return "±1"
        if mutation == "float spins":
            spins = f["spins"][()].astype(draw(st.sampled_from([np.float32, np.float64])))
            del f["spins"]
            f["spins"] = spins
            return "int8"
        if mutation == "wrong shape":
            spins = f["spins"][()]
            shape = draw(st.sampled_from([(n, 16), (n, 4, 2, 2), (n, 2, 8), (16 * n,)]))
            del f["spins"]
            f["spins"] = spins.reshape(shape)
            return "shape"
        if mutation == "missing attribute":
            name = draw(st.sampled_from(["model", "size", "coupling", "field"]))
            del f.attrs[name]
            return name
        if mutation == "attribute not a number":
            name = draw(st.sampled_from(["size", "coupling", "field", "seed", "thin"]))
            f.attrs[name] = draw(st.sampled_from(["abc", "1.5.3", ""]))
            return name
        if mutation == "attribute not finite":
            name = draw(st.sampled_from(["coupling", "field"]))
            f.attrs[name] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
            return name
        if mutation == "energy NaN":
            energy = f["energy"][()]
            energy[draw(st.integers(0, n - 1))] = draw(st.sampled_from([np.nan, np.inf]))
            del f["energy"]
            f["energy"] = energy
            return "energy"
        if mutation == "energy wrong":
            energy = f["energy"][()]
            energy[draw(st.integers(0, n - 1))] += draw(st.sampled_from([1.0, -4.0, 1e3]))
            del f["energy"]
            f["energy"] = energy
            return "energies"
        if mutation == "no samples":
            for name, shape in (("spins", (0, 4, 4)), ("energy", (0,)), ("magnetization", (0,))):
                dtype = f[name].dtype
                del f[name]
                f.create_dataset(name, shape=shape, dtype=dtype)
            return "no samples"
        if mutation == "missing dataset":
            name = draw(st.sampled_from(["spins", "energy", "magnetization"]))
            del f[name]
            return name
        if mutation == "foreign":
            f.attrs["format"] = draw(st.sampled_from(["", "deeprg-model", "other"]))
            return "deeprg"
    raise AssertionError(mutation)


SAMPLE_MUTATIONS = [
    "spin not ±1",
    "float spins",
    "wrong shape",
    "missing attribute",
    "attribute not a number",
    "attribute not finite",
    "energy NaN",
    "energy wrong",
    "no samples",
    "missing dataset",
    "foreign",
]


@prop(FAST, mutation=st.sampled_from(SAMPLE_MUTATIONS), data=st.data())
def test_damaged_sample_files_are_refused_by_every_reader(tmp_path, files, mutation, data):
    folder = fresh(tmp_path)
    path = folder / "damaged.h5"
    shutil.copy(files["samples.h5"], path)
    word = _mutate_samples(path, mutation, data.draw)
    before = rh.digests(path)
    if mutation == "foreign":  # any HDF5 file is data to read_data: only load_samples refuses
        with pytest.raises(InputError, match="not a deeprg sample file"):
            io.load_samples(path)
        return
    for reader in (io.load_samples, readers.read_data):
        with pytest.raises(InputError) as caught:
            reader(path)
        assert "\n" not in str(caught.value)
    out = folder / "m.h5"
    result = rh.cli("train", path, "--layers", "2", "--out", out, "--no-progress")
    rh.assert_refused(result, word, outputs=(out,), inputs=before)
    rh.tally(inputs=1)


def _mutate_model(path: Path, mutation: str, draw) -> str:
    """Damage the model file at ``path`` in place; returns a word the refusal must name."""
    with h5py.File(path, "r+") as f:
        layer = f"layers/{draw(st.integers(0, 1))}"
        g = f[layer]
        if mutation in ("weights NaN", "bias inf"):
            name = (
                "weights"
                if mutation == "weights NaN"
                else draw(st.sampled_from(["visible_bias", "hidden_bias"]))
            )
            values = g[name][()]
            flat = values.reshape(-1)
            flat[draw(st.integers(0, flat.size - 1))] = draw(
                st.sampled_from([np.nan, np.inf, -np.inf])
            )
            del g[name]
            g[name] = values
            return "NaN or inf"
        if mutation == "missing dataset":
            name = draw(st.sampled_from(["weights", "visible_bias", "hidden_bias"]))
            del g[name]
            return name
        if mutation == "wrong shape":
            weights = g["weights"][()]
            del g["weights"]
            g["weights"] = draw(
                st.sampled_from(
                    [weights.reshape(-1), weights.T.copy(), weights[:-1], weights[:, :1]]
                )
            )
            return ""
        if mutation == "wrong dtype":
            weights = g["weights"][()]
            del g["weights"]
            g["weights"] = draw(
                st.sampled_from([weights.astype("S8"), weights.astype(np.complex128)])
            )
            return "not real numbers"
        if mutation == "units":
            if draw(st.booleans()):
                del g.attrs["units"]
                return "units"
            g.attrs["units"] = draw(st.sampled_from(["potts", "", "Binary"]))
            return "units"
        if mutation == "layer keys":
            f.move(layer, draw(st.sampled_from(["layers/x", "layers/7", "layers/-1", "layers/1a"])))
            return "layer"
        if mutation == "no layers":
            del f["layers"]
            if draw(st.booleans()):
                f.create_group("layers")
            return "layers"
        if mutation == "preprocessing":
            stored = json.loads(f.attrs["preprocessing"])
            broken = draw(
                st.sampled_from(
                    [
                        "{not json",
                        "[1, 2]",
                        json.dumps({**stored, "kind": "log"}),
                        json.dumps({**stored, "input_shape": [3, 3]}),
                        json.dumps({**stored, "kind": "minmax", "low": [0.0], "high": [1.0]}),
                        json.dumps({**stored, "n_features": 5}),
                    ]
                )
            )
            f.attrs["preprocessing"] = broken
            return "preprocessing"
        if mutation == "foreign":
            f.attrs["format"] = draw(st.sampled_from(["", "deeprg-samples", "keras"]))
            return "not a deeprg"
    raise AssertionError(mutation)


MODEL_MUTATIONS = [
    "weights NaN",
    "bias inf",
    "missing dataset",
    "wrong shape",
    "wrong dtype",
    "units",
    "layer keys",
    "no layers",
    "preprocessing",
    "foreign",
]


@prop(FAST, mutation=st.sampled_from(MODEL_MUTATIONS), data=st.data())
def test_damaged_model_files_are_refused_by_every_reader(tmp_path, files, mutation, data):
    folder = fresh(tmp_path)
    path = folder / "damaged.h5"
    shutil.copy(files["model.h5"], path)
    word = _mutate_model(path, mutation, data.draw)
    before = rh.digests(path)
    if mutation != "preprocessing":  # stored preprocessing is read by the commands only
        for reader in (io.load_layers, io.load_model):
            with pytest.raises(InputError):
                reader(path)
    for command in ("transform", "reconstruct"):
        out = folder / f"{command}.csv"
        result = rh.cli(command, path, files["samples.h5"], "--out", out)
        rh.assert_refused(result, word, outputs=(out,), inputs=before)
    if mutation != "preprocessing":
        result = rh.cli("inspect", path, "--out", folder / "inspect")
        rh.assert_refused(result, word, inputs=before)
        assert not (folder / "inspect").exists() or not any((folder / "inspect").iterdir())
    rh.tally(inputs=1)


#: Each public reader, with the files it reads.
READERS = {
    "load_samples": (io.load_samples, "samples.h5", ".h5"),
    "load_layers": (io.load_layers, "model.h5", ".h5"),
    "load_model": (io.load_model, "model.h5", ".h5"),
    "read_data samples": (readers.read_data, "samples.h5", ".h5"),
    "read_data npy": (readers.read_data, "data.npy", ".npy"),
    "read_data npz": (readers.read_data, "data.npz", ".npz"),
    "read_data csv": (readers.read_data, "data.csv", ".csv"),
    "read_data tsv": (readers.read_data, "data.tsv", ".tsv"),
    "read_data hdf5": (lambda p: readers.read_data(p, dataset="x"), "data.h5", ".h5"),
}


@prop(
    settings(FAST, max_examples=60),
    reader=st.sampled_from(sorted(READERS)),
    damage=st.sampled_from(["truncate", "flip", "random"]),
    data=st.data(),
)
def test_truncated_flipped_or_random_files_raise_only_input_error(
    tmp_path, files, reader, damage, data
):
    """Any damage is an InputError; where it is not detected the file still reads validly."""
    read, name, suffix = READERS[reader]
    blob = bytearray(files[name].read_bytes())
    if damage == "truncate":
        blob = blob[: data.draw(st.integers(0, len(blob) - 1), label="length")]
    elif damage == "flip":
        position = data.draw(st.integers(0, len(blob) - 1), label="byte")
        blob[position] ^= 1 << data.draw(st.integers(0, 7), label="bit")
    else:
        blob = bytearray(data.draw(st.binary(max_size=512), label="bytes"))
    path = fresh(tmp_path) / f"damaged{suffix}"
    path.write_bytes(bytes(blob))
    try:
        read(path)
    except InputError as exc:
        assert "\n" not in str(exc)
    else:  # an undamaged byte (padding, free space) or a csv digit that is still a number
        assert damage == "flip" or (damage == "truncate" and suffix in (".csv", ".tsv"))
    rh.tally(inputs=1)


@prop(
    FEW,
    damage=st.sampled_from(["random bytes", "truncated", "different size", "not an image"]),
    data=st.data(),
)
def test_damaged_image_folders_are_refused(tmp_path, files, damage, data):
    folder = fresh(tmp_path) / "images"
    shutil.copytree(files["images"], folder)
    victim = folder / "1.png"
    if damage == "random bytes":
        victim.write_bytes(data.draw(st.binary(max_size=200)))
    elif damage == "truncated":
        blob = victim.read_bytes()
        victim.write_bytes(blob[: data.draw(st.integers(0, len(blob) - 20))])
    elif damage == "different size":
        from PIL import Image

        Image.fromarray(np.zeros((5, 3), np.uint8)).save(victim)
    else:
        victim.unlink()
        (folder / "1.jpg").write_bytes(b"\xff\xd8\xff" + data.draw(st.binary(max_size=50)))
    try:
        rows, _ = readers.read_data(folder)
    except InputError:
        pass
    else:  # cut after the last pixel (only the end marker lost): the image is whole
        assert damage == "truncated"
        np.testing.assert_array_equal(rows, readers.read_data(files["images"])[0])
        return
    out = folder.parent / "m.h5"
    result = rh.cli("train", folder, "--layers", "2", "--out", out, "--no-progress")
    rh.assert_refused(result, outputs=(out,))
    rh.tally(inputs=1)


@pytest.mark.parametrize(
    "call",
    [
        lambda f: io.load_samples(3),
        lambda f: io.load_model(None),
        lambda f: io.load_layers(["model.h5"]),
        lambda f: readers.read_data(3.5),
        lambda f: readers.read_data(f["data.npz"], key=3),
        lambda f: readers.read_data(f["data.h5"], dataset=None),
    ],
    ids=[
        "samples-int",
        "model-none",
        "layers-list",
        "data-float",
        "key-int",
        "dataset-none",
    ],
)
def test_readers_refuse_arguments_of_the_wrong_type(files, unchanged, call):
    with pytest.raises(InputError):
        call(files)
    rh.tally(inputs=1)


def test_a_valid_file_of_each_kind_still_reads(files, unchanged):
    """The readers' new checks keep accepting what deeprg itself writes."""
    assert io.load_samples(files["samples.h5"]).n_samples == 40
    layers, _ = io.load_layers(files["model.h5"])
    assert [layer["weights"].shape for layer in layers] == [(16, 6), (6, 3)]
    assert io.load_model(files["model.h5"]).rbms_[1].n_hidden == 3
    for name in ("data.npy", "data.npz", "data.csv", "data.tsv", "images"):
        rows, _ = readers.read_data(files[name])
        assert np.isfinite(rows).all()
    rows, _ = readers.read_data(files["data.h5"], dataset="x")
    assert rows.shape == (12, 4)


# ------------------------------------------------------------------------- slow: more examples


@pytest.mark.soak
@pytest.mark.parametrize("name", sorted(PROPERTIES))
def test_many_more_examples(name, tmp_path, files):
    """Each property test above again, with 400 examples instead of a few dozen."""
    import inspect

    test, strategies = PROPERTIES[name]
    wanted = inspect.signature(test).parameters
    fixtures = {"tmp_path": tmp_path, "files": files, "unchanged": None}
    kwargs = {key: value for key, value in fixtures.items() if key in wanted}
    settings(FAST, max_examples=400)(given(**strategies)(test))(**kwargs)
    assert rh.digests(files["samples.h5"].parent) == files["digests"]


@pytest.mark.soak
def test_reproduce_refuses_a_lattice_too_large_for_memory(tmp_path):
    """Run in a subprocess limited to 6 GiB of address space (so that the machine is safe
    whatever happens): the refusal must come from the memory check, at once."""
    import resource
    import subprocess
    import sys

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (6 * 2**30, 6 * 2**30))

    out = tmp_path / "run"
    program = "import sys; from deeprg.cli import main; main(prog_name='deeprg')"
    args = ["reproduce", "mehta-schwab", "--size", "100000000", "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-c", program, *args],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limit,
        env=rh.SUBPROCESS_ENV,
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "GiB" in lines[0], lines
    assert not out.exists()
    rh.tally(inputs=1)


@pytest.mark.soak
def test_sweep_refuses_a_grid_too_large_at_once(tmp_path):
    import subprocess

    out = tmp_path / "sweep"
    try:
        done = rh.run_to_end(
            "sweep",
            "mehta-schwab",
            "--couplings",
            "0.3:0.5:100000000",
            "--sizes",
            "16",
            "--out",
            out,
            timeout=30,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("not refused within 30 s")
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1 and "coupling" in lines[0], lines
    assert not out.exists()
