"""The base class of every experiment's settings: copies with changes, plain dicts, digests.

An experiment's settings are a frozen dataclass deriving from :class:`ExperimentSettings`.
A stage of the experiment is reused only when the digest (:meth:`ExperimentSettings.key`)
of the settings it depends on matches the one recorded beside its output.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from typing import ClassVar, TypeVar

from ..errors import InputError

__all__ = ["ExperimentSettings"]

_S = TypeVar("_S", bound="ExperimentSettings")


class ExperimentSettings:
    """Mixin of a frozen settings dataclass: :meth:`replace`, :meth:`as_dict`, :meth:`key`.

    Subclasses name their tuple-valued fields in ``_SEQUENCE_FIELDS`` (field name ->
    element conversion for :meth:`as_dict`, or None to keep the elements as they are);
    a field named ``extra`` is free-form and left out of :meth:`as_dict` and digests.
    """

    _SEQUENCE_FIELDS: ClassVar[dict[str, Callable | None]] = {}

    def replace(self: _S, **overrides) -> _S:
        """A copy with some settings changed (unknown names are an InputError)."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise InputError(f"unknown setting(s) {unknown}; valid: {sorted(names - {'extra'})}")
        for name in self._SEQUENCE_FIELDS:
            if name in overrides and overrides[name] is not None:
                overrides[name] = tuple(overrides[name])
        return dataclasses.replace(self, **overrides)

    def as_dict(self) -> dict:
        """Plain dict (tuples as lists) for JSON and file attributes."""
        data = dataclasses.asdict(self)
        data.pop("extra", None)
        for name, convert in self._SEQUENCE_FIELDS.items():
            values = getattr(self, name)
            data[name] = list(values) if convert is None else [convert(v) for v in values]
        return data

    @classmethod
    def rbm_settings(cls) -> tuple[str, ...]:
        """The settings that are RBM hyper-parameters, in the declaration's order.

        They are passed unchanged to every :class:`deeprg.RBM` of the experiment; which names
        those are comes from the one declaration, :mod:`deeprg.rbm.hyperparameters`.
        """
        from ..rbm.hyperparameters import TRAINING_PARAMETERS

        names = {field.name for field in dataclasses.fields(cls)}
        return tuple(name for name in TRAINING_PARAMETERS if name in names)

    def key(self, *names: str, extra: str = "") -> str:
        """Digest of the named settings (and ``extra``): a stage is reused when it matches."""
        data = self.as_dict()
        payload = json.dumps({n: data[n] for n in names}, sort_keys=True) + extra
        return hashlib.sha256(payload.encode()).hexdigest()[:16]
