"""Exercise 3 (scaling): bfloat16 against float32 compute for nanoGPT, and the softmax in
bfloat16.

  python experiments/scaling/solutions/bf16_softmax.py

The full comparison is two runs of the article's command (`:cpu`, 2000 steps,
`--config.model.dtype=bfloat16` and `float32`; their val losses are in the article). Tiny here:
the nanoGPT smoke model trained a few steps in each dtype from the same initialisation and
batches, its losses returned.

The softmax: jaxdl/nn/transformer.py casts attention scores to float32 before the softmax. Done
in bfloat16 instead (8 bits of mantissa), each weight carries a relative error of up to 2^-8 and
their sum drifts from 1; the second part measures that on random attention rows of 256 positions,
against a float64 reference. Whether it matters for the loss: change that line to keep the
scores' dtype and rerun the 2000-step bfloat16 run.
"""

import importlib.util
import pathlib

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl import train
from jaxdl.logging import read_metrics
from jaxdl.tasks import nanogpt


def smoke_config(dtype: str, steps: int):
    path = pathlib.Path(__file__).resolve().parents[2] / "nanogpt/shakespeare_char.py"
    spec = importlib.util.spec_from_file_location("char_config", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cfg = module.get_config("smoke,plays")  # the embedded corpus: no download
    cfg.model.dtype = dtype
    cfg.train.update(steps=steps, eval_every=steps, log_every=1)
    cfg.checkpoint.every = steps
    return cfg


def losses(dtype: str, steps: int, workdir) -> list[float]:
    train.fit(smoke_config(dtype, steps), workdir, nanogpt, devices=jax.devices()[:1])
    return [row["train/loss"] for row in read_metrics(workdir) if "train/loss" in row]


def softmax_errors(rows: int = 64, T: int = 256, seed: int = 0) -> dict[str, float]:
    """Max |softmax - float64 softmax| and max |row sum - 1| with the softmax in each dtype."""
    scores = np.random.default_rng(seed).normal(0, 3, (rows, T))
    exact = np.exp(scores - scores.max(-1, keepdims=True))
    exact /= exact.sum(-1, keepdims=True)
    out = {}
    for dtype in ("float32", "bfloat16"):
        weights = np.asarray(jax.nn.softmax(jnp.asarray(scores, dtype), axis=-1), np.float64)
        out[dtype] = float(np.abs(weights - exact).max())
        out[f"{dtype} sum"] = float(np.abs(weights.sum(-1) - 1).max())
    return out


def main(tiny: bool = False, steps: int = 6, workdir=None):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        root = pathlib.Path(workdir or folder)
        result = {dtype: losses(dtype, steps, root / dtype) for dtype in ("float32", "bfloat16")}
    result["softmax"] = softmax_errors()
    if not tiny:
        print(result)
    return result


if __name__ == "__main__":
    main()
