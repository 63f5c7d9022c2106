"""Exercises 1 and 2 of the GAN article: what each loss asks of the players, as the gradient of
the loss with respect to a logit D(.), in float64 NumPy.

Generator, at fake logits d = D(G(z)) from -8 (D sure the image is fake, early training) to 0:
saturating L_G = log(1 - sigmoid(d)) = -softplus(d) has dL/dd = -sigmoid(d), which vanishes as
d -> -inf: G learns nothing exactly when it is worst. The non-saturating
L_G = softplus(-d) has dL/dd = -sigmoid(-d) -> -1 there. The hinge generator loss -d always has
-1. Discriminator, at real logits d = D(x) from 0 to 4: the non-saturating L_D keeps pushing
real logits up (-sigmoid(-d), small but never 0) while the hinge loss relu(1 - d) stops at the
margin d = 1 (gradient 0). The full exercises train `:hinge` and a saturating run and compare
the curves and samples.

  python experiments/gan/solutions/loss_gradients.py
"""

import numpy as np


def sigmoid(d):
    return 1 / (1 + np.exp(-d))


def main(tiny: bool = False):
    fake = np.array([-8.0, -4.0, -2.0, 0.0])
    real = np.array([0.0, 0.5, 2.0, 4.0])
    found = {"fake_logits": fake, "real_logits": real,
             "generator": {"saturating": -sigmoid(fake), "non_saturating": -sigmoid(-fake),
                           "hinge": -np.ones_like(fake)},
             "discriminator_real": {"non_saturating": -sigmoid(-real),
                                    "hinge": np.where(real < 1, -1.0, 0.0)}}
    for name, grad in found["generator"].items():
        print(f"dL_G/dD(G(z)) {name:15s} at {fake}: {grad.round(4)}")
    for name, grad in found["discriminator_real"].items():
        print(f"dL_D/dD(x)    {name:15s} at {real}: {grad.round(4)}")
    return found


if __name__ == "__main__":
    main()
