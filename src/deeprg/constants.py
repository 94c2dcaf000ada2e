"""Exact critical couplings and critical exponents: the one home of these numbers.

Every module that compares a measurement with an exact critical value imports it from
here. This module imports nothing from deeprg, so the lowest layers can use it.

References
----------
- L. Onsager, Phys. Rev. 65, 117 (1944): the square-lattice critical coupling
  J_c = ½ ln(1 + √2) (Mehta & Schwab, arXiv:1410.3831, print 0.4352: a typo).
- Exact 2D Ising exponents: ν = 1, η = 1/4, so the RG eigenvalues of the thermal and
  magnetic perturbations are y_T = 1/ν = 1 and y_h = (d + 2 − η)/2 = 15/8.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ETA_2D", "EXACT_EXPONENTS_2D", "J_CRITICAL", "NU_2D", "Y_H_2D", "Y_T_2D"]

#: Exact critical coupling of the square lattice, ½ ln(1 + √2) ≈ 0.440687.
J_CRITICAL = 0.5 * np.log1p(np.sqrt(2.0))

#: Correlation-length exponent of the 2D Ising model.
NU_2D = 1.0
#: Anomalous dimension of the 2D Ising model.
ETA_2D = 0.25
#: Thermal RG eigenvalue y_T = 1/ν.
Y_T_2D = 1.0
#: Magnetic RG eigenvalue y_h = 15/8.
Y_H_2D = 1.875

#: The two RG eigenvalues as MCRG reports them.
EXACT_EXPONENTS_2D = {"y_T": Y_T_2D, "y_h": Y_H_2D}
