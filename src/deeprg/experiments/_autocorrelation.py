"""Autocorrelation times of Monte Carlo data as the observables' error bars use them."""

from __future__ import annotations

import numpy as np

__all__ = ["finite_tau", "observable_taus"]


def finite_tau(tau: float) -> float:
    """An autocorrelation time usable for error bars (0.5 = independent when unmeasured)."""
    return float(tau) if np.isfinite(tau) and tau >= 0.5 else 0.5


def observable_taus(tau_energy: float, tau_abs_magnetization: float) -> dict[str, float]:
    """τ of every observable of :func:`deeprg.analysis.observables`.

    τ of E for the energy, τ of |m| for the magnetisation moments, the larger of the two
    for the susceptibility and the heat capacity; each made finite by :func:`finite_tau`.
    """
    tau_e = finite_tau(tau_energy)
    tau_m = finite_tau(tau_abs_magnetization)
    return {
        "energy_per_spin": tau_e,
        "abs_magnetization": tau_m,
        "magnetization_squared": tau_m,
        "susceptibility": max(tau_e, tau_m),
        "heat_capacity": max(tau_e, tau_m),
    }
