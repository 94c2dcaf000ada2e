"""Every number stays the same: the pipelines' outputs against the recorded golden ones.

``tests/golden/record.py`` recorded them (fixed seeds, public CLI and API); this test runs the
same pipelines on the current code and compares bit for bit: JSON documents value by value
(floats exactly), arrays with ``np.array_equal``. Floating-point rounding depends on the CPU
and the library versions, so the comparison runs where those match the recording and is
skipped, with the reason, elsewhere (re-record there with ``python tests/golden/record.py``).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
import record

pytestmark = pytest.mark.skipif(
    not record.GOLDEN_JSON.exists(), reason="no golden outputs recorded"
)


def _golden() -> tuple[dict, dict]:
    documents = json.loads(record.GOLDEN_JSON.read_text())
    with np.load(record.GOLDEN_NPZ) as npz:
        arrays = {key: npz[key] for key in npz.files}
    return documents, arrays


def differences(expected, actual, path: str = "") -> list[str]:
    """Every place where two JSON documents differ, as 'path: expected != actual'."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in sorted(set(expected) | set(actual)):
            if key not in actual or key not in expected:
                found.append(f"{path}/{key}: present in only one")
            else:
                found += differences(expected[key], actual[key], f"{path}/{key}")
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: {len(expected)} items != {len(actual)}"]
        return [
            d
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for d in differences(e, a, f"{path}[{i}]")
        ]
    if isinstance(expected, float) and isinstance(actual, float) and math.isnan(expected):
        return [] if math.isnan(actual) else [f"{path}: nan != {actual!r}"]
    return (
        []
        if expected == actual and type(expected) is type(actual)
        else [f"{path}: {expected!r} != {actual!r}"]
    )


def test_differences_finds_a_changed_float():
    """Negative control: one ulp in one value is a difference, NaN equals NaN."""
    assert differences({"a": [1.0, {"b": float("nan")}]}, {"a": [1.0, {"b": float("nan")}]}) == []
    assert differences({"a": 0.1}, {"a": np.nextafter(0.1, 1.0).item()}) == [
        f"/a: 0.1 != {np.nextafter(0.1, 1.0).item()!r}"
    ]
    assert differences({"a": 1}, {"a": 1.0}) != []


@pytest.mark.parametrize("group", list(record.GROUPS))
def test_outputs_are_unchanged(group, tmp_path):
    documents, arrays = _golden()
    machine = record.machine_fingerprint()
    if documents["_machine"] != machine:
        pytest.skip(
            f"golden outputs were recorded on {documents['_machine']}, this is {machine}: "
            "floating-point rounding differs; re-record with python tests/golden/record.py"
        )
    docs, arrs = record.split(record.GROUPS[group](tmp_path))
    # Through JSON, as the recording was: tuples become lists, floats stay exact.
    docs = json.loads(json.dumps(docs))
    expected_docs = {
        k.split(":", 1)[1]: v for k, v in documents.items() if k.startswith(f"{group}:")
    }
    expected_arrays = {
        k.split(":", 1)[1]: v for k, v in arrays.items() if k.startswith(f"{group}:")
    }
    found = differences(expected_docs, docs)
    assert set(arrs) == set(expected_arrays), "the set of arrays changed"
    for name, value in expected_arrays.items():
        if value.shape != arrs[name].shape or not np.array_equal(value, arrs[name], equal_nan=True):
            diff = (
                np.max(np.abs(np.asarray(value, float) - np.asarray(arrs[name], float)))
                if value.shape == arrs[name].shape
                else "shape"
            )
            found.append(f"{name}: arrays differ (max |diff| {diff})")
    assert not found, f"{len(found)} golden values changed:\n" + "\n".join(found[:40])
