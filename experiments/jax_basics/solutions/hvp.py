"""Exercise 3 (jax_basics): a Hessian-vector product without the Hessian.

The Hessian of f: R^n -> R is n x n; Newton-type methods and curvature probes only need H v. It
is the directional derivative of the gradient: H v = d/de grad f(x + e v) at e = 0, i.e. one jvp
of jax.grad(f) (forward-over-reverse), at the cost of a few gradient evaluations and no n x n
array. Write `hvp(f, x, v)` that way and check it against `jax.hessian(f)(x) @ v` on the
Rosenbrock function and on f(x) = sum(tanh(A x)^2) with n = 50, in float64.

  python experiments/jax_basics/solutions/hvp.py
"""

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.studies.jax_basics import rosenbrock


def hvp(f, x, v):
    return jax.jvp(jax.grad(f), (x,), (v,))[1]


def main(tiny: bool = False):
    """{function: max |hvp - hessian @ v| / max |hessian @ v|}."""
    rng = np.random.default_rng(0)
    with jax.enable_x64(True):
        A = jnp.asarray(rng.standard_normal((30, 50)) / 7)
        cases = {"rosenbrock": (rosenbrock, jnp.array([-1.2, 1.0]), jnp.array([0.3, -0.8])),
                 "sum tanh(Ax)^2": (lambda x: jnp.sum(jnp.tanh(A @ x) ** 2),
                                    jnp.asarray(rng.standard_normal(50)),
                                    jnp.asarray(rng.standard_normal(50)))}
        found = {}
        for name, (f, x, v) in cases.items():
            # one compiled call per case: run eagerly, every small op would compile on its own
            both = jax.jit(lambda x, v, f=f: (hvp(f, x, v), jax.hessian(f)(x) @ v))
            product, reference = both(x, v)
            found[name] = float(jnp.abs(product - reference).max() / jnp.abs(reference).max())
            print(f"{name}: relative difference hvp vs hessian @ v {found[name]:.1e}")
    return found


if __name__ == "__main__":
    main()
