"""Former home of the Mehta–Schwab report and of the HTML kit.

Use :mod:`deeprg.experiments.mehta_schwab_report` for :func:`write_report` and
:mod:`deeprg.experiments.html` for the kit (the private names below are its old spellings).
"""

from __future__ import annotations

import warnings

from .html import STYLE as _STYLE  # noqa: F401
from .html import dict_table as _dict_table  # noqa: F401
from .html import format_value as _fmt  # noqa: F401
from .html import image as _image  # noqa: F401
from .html import verdict_class as _verdict_class  # noqa: F401
from .html import verdict_word as _verdict_word  # noqa: F401
from .mehta_schwab_report import write_report

__all__ = ["write_report"]

warnings.warn(
    "deeprg.experiments.report is deprecated and will be removed in the next release; use deeprg.experiments.mehta_schwab_report (and deeprg.experiments.html for the kit)",
    DeprecationWarning,
    stacklevel=2,
)
