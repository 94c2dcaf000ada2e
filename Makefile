# The two set-up commands of the README; each installs what it needs on first use.
#   make reproduce   the main job: the quick reproduction into results/
#   make test        the test suite (what .ci/run runs)
# TORCH picks the torch build: the default is the CPU build; on a GPU machine pass the
# one you want, e.g. make test TORCH=torch.

VENV ?= .venv
TORCH ?= torch==2.13.0
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.deeprg-installed

.PHONY: reproduce test docs

reproduce: $(INSTALLED)
	$(VENV)/bin/deeprg reproduce mehta-schwab --preset quick --out results/

test: $(INSTALLED)
	$(PYTHON) -m pytest -n 2

docs: $(INSTALLED)
	$(PYTHON) -m sphinx -W -b html docs/api docs/api/_build

$(INSTALLED): pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet "$(TORCH)"
	$(PYTHON) -m pip install --quiet -e ".[test,examples]"
	touch $(INSTALLED)
