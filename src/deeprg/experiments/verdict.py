"""The verdict of an experiment: a plain-language statement, whether it holds, and its numbers.

Every experiment judges its results the same way: a :class:`Verdict` per statement, written
to ``metrics.json`` by :meth:`Verdict.as_dict` and shown by
:func:`deeprg.experiments.html.verdict_table`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Verdict", "verdict_counts"]


@dataclass(frozen=True)
class Verdict:
    """One statement about a run, judged on its numbers.

    Attributes
    ----------
    statement : str
        What is claimed, in plain language.
    holds : bool or None
        True or False; None when it cannot be measured in this run.
    evidence : str
        The numbers it was judged on.
    phase : str, optional
        The phase of matter where it was judged ("ordered", "critical", "disordered").
    judged_in : str, optional
        That phase described, with its reason.
    """

    statement: str
    holds: bool | None
    evidence: str
    phase: str | None = None
    judged_in: str | None = None

    def __post_init__(self) -> None:
        if self.holds is not None:
            object.__setattr__(self, "holds", bool(self.holds))

    def as_dict(self) -> dict:
        """The ``metrics.json`` entry: ``claim``, ``holds``, ``evidence`` (and the phase)."""
        entry: dict = {"claim": self.statement, "holds": self.holds, "evidence": self.evidence}
        if self.phase is not None:
            entry["phase"] = self.phase
        if self.judged_in is not None:
            entry["judged_in"] = self.judged_in
        return entry


def verdict_counts(verdicts: list[dict]) -> tuple[int, int]:
    """(statements that hold, statements measurable) of ``metrics.json`` verdict entries."""
    judged = [v for v in verdicts if v["holds"] is not None]
    return sum(bool(v["holds"]) for v in judged), len(judged)
