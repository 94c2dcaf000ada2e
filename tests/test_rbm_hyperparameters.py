"""The one hyper-parameter declaration agrees with every estimator's signature."""

from __future__ import annotations

import inspect
import re

import pytest

from deeprg.errors import InputError
from deeprg.rbm import DBN, RBM, ConvRBM
from deeprg.rbm.hyperparameters import (
    CONV_GEOMETRY_PARAMETERS,
    CONV_RBM_DEFAULTS,
    CONV_RBM_PARAMETERS,
    DBN_OWN_PARAMETERS,
    DBN_PARAMETERS,
    HYPERPARAMETERS,
    PER_LAYER,
    RBM_PARAMETERS,
    TRAINING_PARAMETERS,
    check_hyperparameter,
    declared_defaults,
    rbm_kwargs,
)


def _signature(cls) -> dict:
    parameters = inspect.signature(cls.__init__).parameters
    return {name: p.default for name, p in parameters.items() if name != "self"}


def test_rbm_signature_is_the_declaration():
    assert _signature(RBM) == declared_defaults(RBM_PARAMETERS)
    assert list(_signature(RBM)) == list(RBM_PARAMETERS)


def test_conv_rbm_signature_is_the_declaration():
    signature = _signature(ConvRBM)
    geometry = {name: spec.default for name, spec in CONV_GEOMETRY_PARAMETERS.items()}
    assert {k: signature.pop(k) for k in geometry} == geometry
    assert signature == declared_defaults(CONV_RBM_PARAMETERS, CONV_RBM_DEFAULTS)
    assert list(signature) == list(CONV_RBM_PARAMETERS)


def test_dbn_signature_is_the_declaration():
    signature = _signature(DBN)
    for name, spec in DBN_OWN_PARAMETERS.items():
        assert signature.pop(name) == spec.default
    assert signature == declared_defaults(DBN_PARAMETERS)
    assert set(PER_LAYER) <= set(DBN_PARAMETERS)


def test_every_declared_parameter_has_a_meaning():
    for spec in HYPERPARAMETERS.values():
        assert spec.doc and spec.kind in ("integer", "number", "flag", "choice", "other")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("epochs", 0, "epochs must be an integer >= 1, got 0"),
        ("l1", -1.0, "l1 must lie in [0, inf], got -1.0"),
        ("momentum", 1.0, "momentum must lie in [0, 1), got 1.0"),
        ("persistent", "yes", "persistent must be True or False, got 'yes'"),
        ("reconstruction", "x", "reconstruction must be 'mean' or 'sample', got 'x'"),
    ],
)
def test_declared_checks_name_the_fix(name, value, message):
    with pytest.raises(InputError, match=re.escape(message)):
        check_hyperparameter(name, value)
    with pytest.raises(InputError):
        RBM(**{name: value})._check_params()


def test_rbm_kwargs_reads_mappings_and_objects():
    from types import SimpleNamespace

    settings = {"epochs": 3, "l1": 1e-4, "size": 16, "seed": 1}
    assert rbm_kwargs(settings) == {"epochs": 3, "l1": 1e-4}
    assert rbm_kwargs(SimpleNamespace(**settings)) == {"epochs": 3, "l1": 1e-4}
    assert set(TRAINING_PARAMETERS).isdisjoint({"n_hidden", "random_state", "device"})
    RBM(4, **rbm_kwargs(settings))._check_params()
    with pytest.raises(InputError, match="not RBM hyper-parameters"):
        rbm_kwargs(settings, names=("size",))


def test_rbm_kwargs_covers_the_experiment_settings():
    """The RBM settings the experiments list are what the declaration finds in them."""
    from deeprg.experiments import iso_flow_settings
    from deeprg.experiments import mehta_schwab_settings as settings

    for module, instance in (
        (settings, settings.MehtaSchwabSettings()),
        (iso_flow_settings, iso_flow_settings.IsoFlowSettings()),
    ):
        found = rbm_kwargs(instance)
        assert {"units", "epochs", "learning_rate", "l1", "momentum"} <= set(found)
        listed = getattr(module, "RBM_SETTINGS", None)
        if listed is not None:
            assert set(found) == set(listed)
