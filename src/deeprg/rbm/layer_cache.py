"""Where :meth:`DBN.fit <deeprg.rbm.DBN.fit>` finds finished layers and checkpoints new ones.

Greedy training visits the layers bottom up; for each it asks the cache for a finished layer
(:meth:`LayerCache.load`), else trains one, checkpointing to :meth:`LayerCache.checkpoint`,
and hands it to :meth:`LayerCache.store`. :class:`CheckpointDirectory` is the cache of
``DBN.fit(checkpoint_dir=...)``; a pipeline that keeps finished layers in model files under
a settings key (``deeprg reproduce``) subclasses :class:`LayerCache`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from .rbm import RBM

__all__ = ["CheckpointDirectory", "LayerCache"]


class LayerCache:
    """No finished layers, no checkpoints: every layer is trained (the default).

    Subclasses override any of the four methods; ``index`` is the 0-based layer number.
    """

    def load(self, index: int, rbm: RBM) -> RBM | None:
        """A fitted layer ``index`` made with the settings of the unfitted ``rbm``, or None."""
        return None

    def describe(self, index: int) -> str:
        """Where layer ``index`` was loaded from (for the log line)."""
        return "the cache"

    def checkpoint(self, index: int) -> Path | None:
        """The checkpoint file of layer ``index``'s training (see :meth:`RBM.fit`), or None."""
        return None

    def store(self, index: int, rbm: RBM) -> None:
        """Keep the freshly trained layer ``index``."""


class CheckpointDirectory(LayerCache):
    """One checkpoint per layer in ``directory`` (``layer1.pt``, ``layer2.pt``, ...).

    A finished layer's checkpoint holds every epoch, so reloading it is instant, and an
    interrupted one resumes bit for bit.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise InputError(f"checkpoint_dir {self.directory} does not exist; create it first")

    def checkpoint(self, index: int) -> Path:
        return self.directory / f"layer{index + 1}.pt"
