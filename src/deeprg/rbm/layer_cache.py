"""Where :meth:`DBN.fit <deeprg.rbm.DBN.fit>` finds finished layers and checkpoints new ones.

Greedy training visits the layers bottom up; for each it asks the cache for a finished layer
(:meth:`LayerCache.load`), else trains one, checkpointing to :meth:`LayerCache.checkpoint`,
and hands it to :meth:`LayerCache.store`. :class:`CheckpointDirectory` is the cache of
``DBN.fit(checkpoint_dir=...)``; a pipeline that keeps finished layers in model files under
a settings key (``deeprg reproduce``) uses :class:`KeyedLayerFiles`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..errors import InputError

if TYPE_CHECKING:
    from .rbm import RBM

__all__ = ["CheckpointDirectory", "KeyedLayerFiles", "LayerCache", "LayerStore"]


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


class LayerStore(Protocol):
    """How one layer file is read and written under a settings key (an experiment's store)."""

    def load(self, path: Path, key: str) -> RBM | None:
        """The RBM saved at ``path`` with settings key ``key``, else None."""

    def save(self, value: RBM, path: Path, key: str) -> None:
        """Write the fitted RBM ``value`` to ``path`` with settings key ``key``."""


class KeyedLayerFiles(LayerCache):
    """Finished layers in ``layer{i}.h5`` under a settings key, checkpoints beside them.

    Layer i (1-based) is reused from ``directory/layer{i}.h5`` when ``store`` finds it made
    with ``key(i - 1)``; otherwise it is trained with the checkpoint
    ``layer{i}-{key}.ckpt`` (checkpoints of that layer under other keys are deleted), then
    saved by ``store`` and its checkpoint removed.

    Parameters
    ----------
    directory : path-like
        Created if missing (its parent must exist).
    key : callable int -> str
        The settings key of the 0-based layer ``index`` (every setting it depends on,
        the sizes of the layers below included).
    store : LayerStore
        Reads and writes one layer file.
    """

    def __init__(self, directory: str | Path, key: Callable[[int], str], store: LayerStore):
        self.directory = Path(directory)
        self.directory.mkdir(exist_ok=True)
        self.key = key
        self.files = store

    def path(self, index: int) -> Path:
        """The layer file of the 0-based layer ``index``."""
        return self.directory / f"layer{index + 1}.h5"

    def _checkpoint_path(self, index: int) -> Path:
        return self.directory / f"layer{index + 1}-{self.key(index)}.ckpt"

    def load(self, index: int, rbm: RBM) -> RBM | None:
        return self.files.load(self.path(index), self.key(index))

    def describe(self, index: int) -> str:
        return str(self.path(index))

    def checkpoint(self, index: int) -> Path:
        keep = self._checkpoint_path(index)
        for stale in self.directory.glob(f"layer{index + 1}-*.ckpt"):
            if stale.name != keep.name:
                stale.unlink()
        return keep

    def store(self, index: int, rbm: RBM) -> None:
        self.files.save(rbm, self.path(index), self.key(index))
        self._checkpoint_path(index).unlink(missing_ok=True)
