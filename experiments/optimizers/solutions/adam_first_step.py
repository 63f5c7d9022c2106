"""Exercise 1 (optimizers): Adam's first step does not depend on the gradient's scale.

After one update m_hat = g and v_hat = g^2, so the step is lr g / (|g| + eps): lr in every
coordinate, whatever |g| is (unless |g| is near eps). Check it with `opt.Adam` on gradients of
scale 1e-3, 1 and 1e3, and contrast with SGD, whose step is lr |g|.

  python experiments/optimizers/solutions/adam_first_step.py
"""

import numpy as np

from jaxdl.scratch import optimizers as opt

LR = 0.01


def first_steps(scale: float, seed: int = 0) -> dict[str, np.ndarray]:
    """{rule: |first step| / lr per coordinate} for a gradient of the given scale."""
    g = scale * np.random.default_rng(seed).standard_normal(6)
    params = {"p": np.zeros(6)}
    out = {}
    for name, rule in (("Adam", opt.Adam(LR)), ("SGD", opt.SGD(LR))):
        new, _ = rule.update({"p": g}, rule.init(params), params)
        out[name] = np.abs(new["p"]) / LR
    return out


def main(tiny: bool = False):
    """{scale: {rule: |step| / lr}}."""
    found = {scale: first_steps(scale) for scale in (1e-3, 1.0, 1e3)}
    for scale, steps in found.items():
        print(f"gradient scale {scale:g}: |step| / lr  Adam {steps['Adam'].min():.6f}-"
              f"{steps['Adam'].max():.6f}   SGD {steps['SGD'].min():.3g}-{steps['SGD'].max():.3g}")
    return found


if __name__ == "__main__":
    main()
