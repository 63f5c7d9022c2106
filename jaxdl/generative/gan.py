"""GAN losses, and the trick that trains both players with one loss and one optimizer step.

D(x) is the discriminator's logit that x is real; G(z) a generated image.

    non-saturating  L_D = softplus(-D(x)) + softplus(D(G(z)))   (-log sigmoid(D(x)) - log(1 - sigmoid(D(G(z)))))
                    L_G = softplus(-D(G(z)))                   (-log sigmoid(D(G(z))): strong gradients
                                                                while D still rejects the fakes)
    hinge           L_D = relu(1 - D(x)) + relu(1 + D(G(z))),  L_G = -D(G(z))

The shared loop differentiates ONE scalar with respect to ALL parameters. `two_player_loss`
returns L_D + L_G built so that its gradient with respect to D's parameters is that of L_D only
and with respect to G's parameters that of L_G only: L_D sees the fakes through stop_gradient
(G gets nothing from it), and L_G sees a copy of D whose parameters are stop_gradient-ed (D gets
nothing from it). One step then updates both players simultaneously, each by its own loss, with
the optimizer the task builds per player (`player_optimizer`).
"""

import jax
import jax.numpy as jnp
import optax
from flax import nnx

from jaxdl.errors import UserError


def _mean(values, mask):
    """Mean over the rows whose mask is 1 (all rows without a mask)."""
    values = values.reshape(len(values))
    if mask is None:
        return jnp.mean(values)
    return (values * mask).sum() / jnp.maximum(mask.sum(), 1.0)


def discriminator_loss(real_logits, fake_logits, kind: str, mask=None) -> jax.Array:
    if kind == "non_saturating":
        return _mean(jax.nn.softplus(-real_logits), mask) + _mean(jax.nn.softplus(fake_logits), mask)
    if kind == "hinge":
        return _mean(jax.nn.relu(1 - real_logits), mask) + _mean(jax.nn.relu(1 + fake_logits), mask)
    raise UserError(f"Unknown GAN loss {kind!r}: choose non_saturating or hinge.")


def generator_loss(fake_logits, kind: str, mask=None) -> jax.Array:
    if kind == "non_saturating":
        return _mean(jax.nn.softplus(-fake_logits), mask)
    if kind == "hinge":
        return -_mean(fake_logits, mask)
    raise UserError(f"Unknown GAN loss {kind!r}: choose non_saturating or hinge.")


def frozen(module: nnx.Module) -> nnx.Module:
    """A copy of `module` through which no gradient reaches its parameters."""
    graphdef, state = nnx.split(module)
    return nnx.merge(graphdef, jax.lax.stop_gradient(state))


def two_player_loss(generator, discriminator, real, z, kind: str, mask=None):
    """(L_D + L_G, metrics); see the module docstring for why one scalar trains both. `mask`
    (1 = a real row) leaves padded rows of an evaluation batch out of the means."""
    fake = generator(z)
    d_real = discriminator(real)
    d_fake = discriminator(jax.lax.stop_gradient(fake))
    d_loss = discriminator_loss(d_real, d_fake, kind, mask)
    g_loss = generator_loss(frozen(discriminator)(fake), kind, mask)
    metrics = {"d_loss": d_loss, "g_loss": g_loss,
               "d_real": _mean(jax.nn.sigmoid(d_real), mask),
               "d_fake": _mean(jax.nn.sigmoid(d_fake), mask)}
    return d_loss + g_loss, metrics


def player_optimizer(optimizers: dict[str, optax.GradientTransformation]):
    """One optax transformation that applies optimizers[name] to the parameters under the
    model's top-level attribute `name` ("generator", "discriminator")."""

    def labels(params):
        return jax.tree_util.tree_map_with_path(lambda path, _: str(path[0].key), params)

    return optax.multi_transform(optimizers, labels)
