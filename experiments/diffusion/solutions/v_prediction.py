"""Exercise 4 of the diffusion article: v-prediction (Salimans and Ho, 2022),
v = sqrt(abar) eps - sqrt(1 - abar) x_0.

What changes: x_t and v determine x_0 = sqrt(abar) x_t - sqrt(1 - abar) v and
eps = sqrt(1 - abar) x_t + sqrt(abar) v, so both samplers still work (convert v to eps, then step
as before). An error e in v is an error sqrt(abar) e in eps: the v loss is the eps loss weighted
by 1 / abar_t, i.e. it weights the noisiest steps up. And the x_0 that the sampler reads errs
by sqrt(1 - abar) e with v, but by sqrt((1 - abar) / abar) e with eps: at large t (abar -> 0)
eps-prediction magnifies its error without bound, v does not. That is where v helps.
Checked in float64 on random arrays; the full exercise trains both parameterisations.

  python experiments/diffusion/solutions/v_prediction.py
"""

import numpy as np

from jaxdl.generative.diffusion import alpha_bars


def main(tiny: bool = False, seed: int = 0):
    rng = np.random.default_rng(seed)
    abar = alpha_bars("cosine", 1000)[[0, 500, 900, 999]]
    x0, eps = rng.uniform(-1, 1, (4, 64)), rng.standard_normal((4, 64))
    a = abar[:, None]
    x_t = np.sqrt(a) * x0 + np.sqrt(1 - a) * eps
    v = np.sqrt(a) * eps - np.sqrt(1 - a) * x0
    identity_error = max(np.abs(np.sqrt(a) * x_t - np.sqrt(1 - a) * v - x0).max(),
                         np.abs(np.sqrt(1 - a) * x_t + np.sqrt(a) * v - eps).max())
    error = 1e-3 * rng.standard_normal((4, 64))  # the same small error in v ...
    eps_from_v = np.sqrt(1 - a) * x_t + np.sqrt(a) * (v + error)
    # ... is this error in eps: the ratio of the two losses per step
    loss_ratio = np.mean(error ** 2, 1) / np.mean((eps_from_v - eps) ** 2, 1)
    x0_gain = {"v": np.sqrt(1 - abar), "eps": np.sqrt((1 - abar) / abar)}  # |x_0 error| / |e|
    print(f"identities hold to {identity_error:.1e}; v loss / eps loss = {loss_ratio.round(3)} "
          f"(1/abar = {(1 / abar).round(3)}); x_0 error gain eps {x0_gain['eps'].round(2)}, "
          f"v {x0_gain['v'].round(2)}")
    return {"abar": abar, "identity_error": float(identity_error), "loss_ratio": loss_ratio,
            "x0_gain": x0_gain}


if __name__ == "__main__":
    main()
