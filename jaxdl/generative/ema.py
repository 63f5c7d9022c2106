"""An exponential moving average (EMA) of a network's weights, kept inside the model.

Diffusion models sample far better from averaged weights than from the last iterate. The average
lives in the model as variables of type `EMA` (not `nnx.Param`), so the shared loop keeps it with
the model's other state: it is checkpointed, restored, and loaded by `load_model` with no change to
the loop. The task's loss calls `update()` in training mode; the update reads the parameters
before this step's optimizer update, so the average lags the weights by one step (harmless at the
hundreds of steps it averages over).

The decay warms up as min(decay, (1 + n) / (10 + n)) after n updates, so a short run's average is
not dominated by the random initial weights.
"""

import jax
import jax.numpy as jnp
from flax import nnx


class EMA(nnx.Variable):
    """A running average of a parameter: not trained, saved with the model's state."""


def _key(path) -> str:
    return ".".join(map(str, path))


class Averaged(nnx.Module):
    """Holds `net` and the EMA of its parameters."""

    def __init__(self, net: nnx.Module, decay: float):
        self.net, self.decay = net, decay
        self.count = EMA(jnp.zeros((), jnp.int32))
        self.average = nnx.Dict({_key(path): EMA(param[...]) for path, param
                                 in nnx.to_flat_state(nnx.state(net, nnx.Param))})

    def update(self) -> None:
        n = self.count[...]
        decay = jnp.minimum(self.decay, (1 + n) / (10 + n))
        for path, param in nnx.to_flat_state(nnx.state(self.net, nnx.Param)):
            average = self.average[_key(path)]
            average[...] = decay * average[...] + (1 - decay) * jax.lax.stop_gradient(param[...])
        self.count[...] = n + 1

    def averaged_net(self) -> nnx.Module:
        """A copy of `net` whose parameters are the averages."""
        net = nnx.clone(self.net)
        flat = [(path, nnx.Param(self.average[_key(path)][...])) for path, _
                in nnx.to_flat_state(nnx.state(net, nnx.Param))]
        nnx.update(net, nnx.from_flat_state(flat))
        return net
