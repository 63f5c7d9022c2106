"""The WaveNet's forms, an SGD step each, with BatchNorm in train mode: makemore's :wavenet
(reshape form), :cnn (dilated causal convolution as shifted matmuls), and the same convolution
through lax.conv_general_dilated; one step per jitted call, and ten in one lax.scan (as the
training loop runs them, train.steps_per_call = 10).

  python tests/benchmarks/wavenet_forms.py               # 5 rounds
  python tests/benchmarks/wavenet_forms.py --rounds=10

Model and batch of makemore's preset (embedding 24, hidden 128, 3 levels, 32 names x 16
positions). The forms are timed in turns, and the median step is printed, so that other load on
the machine hits all of them alike; compare ratios.
"""

import argparse
import statistics

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl import losses
from jaxdl.bench import call_times
from jaxdl.nn.context_lm import WaveNetLM


class LaxConvWaveNet(WaveNetLM):
    """form="conv" with each level as lax.conv_general_dilated on Dense's kernel [2C, H] seen
    as [2 taps, C, H] (tap 0: the older neighbour)."""

    def _convolve(self, idx_BT, valid):
        pad = self.context - 1
        x = jnp.take(self.token_embedding[...], jnp.pad(idx_BT, ((0, 0), (pad, 0))), axis=0)
        valid = jnp.concatenate([jnp.repeat(valid[:, :1], pad, axis=1), valid], axis=1)
        for i, dense in enumerate(self.fuse):
            d = 2 ** i
            x = jax.lax.conv_general_dilated(
                x, dense.kernel[...].reshape(2, x.shape[-1], -1), window_strides=(1,),
                padding="VALID", rhs_dilation=(d,), dimension_numbers=("NWC", "WIO", "NWC"))
            valid = valid[:, d:]
            x = self._normalize_tanh(i, x, valid)
        return self.out(x)


def sgd_steps(model_class, form, k: int):
    """A function running k SGD steps (gradient of the masked cross-entropy, then p -= 0.01 g)
    in one jitted call, over one `lax.scan` when k > 1, as the loop does with steps_per_call."""
    model = model_class(vocab_size=27, levels=3, embed=24, hidden=128, form=form, rngs=nnx.Rngs(0))
    graphdef, state = nnx.split(model)
    idx = jax.random.randint(jax.random.PRNGKey(0), (k, 32, 17), 0, 27)
    valid = jnp.arange(16) < jax.random.randint(jax.random.PRNGKey(1), (k, 32, 1), 3, 17)

    def step(state, batch):
        ids, mask = batch

        def loss(state):
            logits = nnx.merge(graphdef, state)(ids[:, :-1], valid=mask)
            return losses.cross_entropy(logits, ids[:, 1:], mask)

        grads = jax.grad(loss)(state)
        return jax.tree.map(lambda p, g: p - 0.01 * g, state, grads), None

    @jax.jit
    def run(state):
        if k == 1:
            return step(state, (idx[0], valid[0]))[0]
        return jax.lax.scan(step, state, (idx, valid))[0]

    return lambda: jax.block_until_ready(run(state))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    forms = {"reshape (:wavenet)": (WaveNetLM, "reshape"),
             "conv, shifted matmuls (:cnn)": (WaveNetLM, "conv"),
             "conv, lax.conv_general_dilated": (LaxConvWaveNet, "conv")}
    calls = {(name, k): sgd_steps(cls, form, k) for name, (cls, form) in forms.items()
             for k in (1, 10)}
    times = {key: [] for key in calls}
    for _ in range(args.rounds):
        for (name, k), call in calls.items():
            times[name, k] += [t / k for t in call_times(call, 20 if k == 1 else 2)]
    ms = {key: statistics.median(t) * 1e3 for key, t in times.items()}
    print("| form | ms/step, 1 step per call | ms/step, 10 per call (lax.scan) |")
    print("| --- | ---: | ---: |")
    for name in forms:
        print(f"| {name} | {ms[name, 1]:.2f} | {ms[name, 10]:.2f} |")


if __name__ == "__main__":
    main()
