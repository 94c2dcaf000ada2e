"""Progress bars on stderr for the experiments' long loops, or silent stand-ins."""

from __future__ import annotations

import sys

__all__ = ["progress_bar"]


def progress_bar(progress: bool, **kwargs):
    """A tqdm bar on stderr when ``progress``, else a silent bar with the same interface.

    ``kwargs`` go to tqdm (``iterable``, ``total``, ``desc``, ``unit``, ...).
    """
    if progress:
        from tqdm.auto import tqdm

        return tqdm(file=sys.stderr, dynamic_ncols=True, **kwargs)
    return _SilentBar(**kwargs)


class _SilentBar:
    """What :func:`progress_bar` gives without progress: iterates, counts nothing."""

    def __init__(self, iterable=None, **kwargs) -> None:
        self.iterable = iterable

    def __iter__(self):
        return iter(self.iterable)

    def __enter__(self) -> _SilentBar:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def update(self, n: int = 1) -> None:
        return None
