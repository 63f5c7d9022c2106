"""Exercises 3 and 4 of the GAN article on the Dirac GAN (Mescheder et al., 2018), the smallest
GAN there is: the data is the point 0, the generator is one number theta (it "generates"
theta), the discriminator is D(x) = psi x. In the minimax game G minimises what D maximises:
L_D = softplus(-D(0)) + softplus(D(theta)) and L_G = -softplus(D(theta)) (the saturating loss),
with gradients dL_D/dpsi = theta sigmoid(psi theta) and dL_G/dtheta = -psi sigmoid(psi theta).
The equilibrium is theta = psi = 0.

Around it the game only rotates (the Jacobian's eigenvalues are imaginary; the continuous flow
keeps theta^2 + psi^2 constant). Simultaneous gradient steps, as our one-step loop takes them,
spiral outwards at any learning rates: the distance to equilibrium grows. A two time-scale rule
(D 4x faster, G 4x slower: the same product of rates) does not change that. Alternating steps
(D, then G seeing the new D) keep the distance bounded. Plain gradient descent from
(theta, psi) = (1, 1), lr 0.1, 2000 steps. (The non-saturating L_G = softplus(-D(theta)) adds a
damping term: try it.) The full exercises compare these on Fashion-MNIST
(`--config.opt.lr=8e-4 --config.generator_opt.lr_scale=0.25`; alternating steps as a two-phase
optimizer).

  python experiments/gan/solutions/dirac_gan.py
"""

import numpy as np


def sigmoid(u):
    return 1 / (1 + np.exp(-u))


def distances(lr_d: float, lr_g: float, alternating: bool, steps: int = 2000) -> np.ndarray:
    """Distance to the equilibrium after each step."""
    theta, psi, out = 1.0, 1.0, []
    for _ in range(steps):
        psi_new = psi - lr_d * theta * sigmoid(psi * theta)
        psi_seen = psi_new if alternating else psi
        theta = theta + lr_g * psi_seen * sigmoid(psi_seen * theta)
        psi = psi_new
        out.append(np.hypot(theta, psi))
    return np.array(out)


def main(tiny: bool = False):
    runs = {"simultaneous": distances(0.1, 0.1, False),
            "simultaneous, TTUR (D 4x, G 1/4x)": distances(0.4, 0.025, False),
            "alternating": distances(0.1, 0.1, True)}
    for name, d in runs.items():
        print(f"{name:34s} distance to equilibrium: start 1.414, after 2000 steps {d[-1]:.3f}, "
              f"max {d.max():.3f}")
    return runs


if __name__ == "__main__":
    main()
