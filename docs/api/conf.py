"""Sphinx configuration of deeprg's API reference (built from the docstrings).

Build: ``python -m sphinx -W -b html docs/api docs/api/_build`` (``make docs``).
"""

project = "deeprg"
author = "the deeprg developers"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax"]
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "show-inheritance": False}
exclude_patterns = ["_build"]
html_theme = "alabaster"
suppress_warnings = ["ref.python"]

autodoc_default_options["exclude-members"] = ",".join(
    f"set_{method}_request"
    for method in (
        "fit",
        "transform",
        "score",
        "inverse_transform",
        "partial_fit",
        "predict",
        "predict_proba",
    )
)

import re  # noqa: E402

_BAR = re.compile(r"(?<!\\)\|")
_TRAILING_UNDERSCORE = re.compile(r"(?<=[^\s_`])_(?=[^\w]|$)")
_OPENING_STAR = re.compile(r"(?<=[\s(\[])\*(?=\w)")


def _escape_math_text(app, what, name, obj, options, lines):
    """Docstrings write physics in plain text (|x - c|, ξ_l, W*): keep it literal in RST."""
    for index, line in enumerate(lines):
        if line.lstrip().startswith((".. ", ">>>")):
            continue
        line = _BAR.sub(r"\\|", line)
        line = _TRAILING_UNDERSCORE.sub(r"\\_", line)
        lines[index] = _OPENING_STAR.sub(r"\\*", line)


def setup(app):
    app.connect("autodoc-process-docstring", _escape_math_text)
