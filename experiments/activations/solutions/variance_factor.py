"""Exercise 2 (activations): predict the per-layer gradient factor without training anything.

Going down through a layer whose pre-activations z are about N(0, 1), the gradient is multiplied
by W^T (which scales its second moment by gain^2 when W ~ N(0, gain^2 / n)) and by f'(z). So its
norm changes per layer by about

    chi = gain * sqrt(E[f'(z)^2]),   z ~ N(0, 1).

Compute chi for every activation at the three gains of the article (Gauss-Hermite quadrature,
NumPy) and compare with the measured per-layer factor of sigmoid, (1.9e-12)^(1/19) = 0.24. Which
activations does it predict to vanish (chi < 1) and explode (chi > 1)? (The assumption z ~ N(0, 1)
holds at layer 1 only roughly; the measured ratios differ where the signal's scale drifts.)

  python experiments/activations/solutions/variance_factor.py
"""

import math

import jax
import numpy as np

from jaxdl import activations as act
from jaxdl.studies.activations import COMPARED, GAINS


def expected_squares(points: int = 80) -> dict[str, float]:
    """{activation: E[f'(z)^2]} for z ~ N(0, 1) by Gauss-Hermite quadrature (exact for
    polynomials up to degree 159). The derivatives run in one jitted call."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(points)
    slopes = jax.jit(lambda z: {name: act.ELEMENTWISE[name][1](z) for name in COMPARED})(nodes)
    return {name: float(np.sum(weights * np.asarray(s, np.float64) ** 2) / math.sqrt(2 * math.pi))
            for name, s in slopes.items()}


def factors() -> dict[str, dict[str, float]]:
    """{activation: {gain name: chi}}."""
    slope = {name: math.sqrt(value) for name, value in expected_squares().items()}
    return {name: {gain_name: gain * slope[name] for gain_name, gain in GAINS.items()}
            for name in COMPARED}


def main(tiny: bool = False):
    chi = factors()
    print("chi = gain sqrt(E[f'(z)^2])    " + "   ".join(GAINS))
    for name, row in chi.items():
        print(f"  {name:10s} " + "   ".join(f"{v:18.3f}" for v in row.values()))
    return chi


if __name__ == "__main__":
    main()
