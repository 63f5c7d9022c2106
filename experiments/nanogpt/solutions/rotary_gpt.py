"""Exercise 4 (nanoGPT article, research-y): rotary positions in GPT.

`--config.model.positions=rotary` drops the learned position table ($T \\times C$ parameters)
and rotates each head's queries and keys by their position instead
(`jaxdl.nn.transformer`, the rotary of the transformer chapter). This trains the same GPT both
ways through the shared loop and returns the final val loss of each, per seed.

The test trains the `smoke` model for 40 steps, one seed. The comparison the exercise asks
for is the `cpu` preset, 2000 steps, seeds 0, 1, 2 (`main()`):

  python -m jaxdl.experiments.nanogpt --config=experiments/nanogpt/shakespeare_char.py:cpu \\
    --config.model.positions=rotary --config.seed=1 --workdir=runs/nanogpt/rotary_1

  JAXDL_DATA_DIR=... python experiments/nanogpt/solutions/rotary_gpt.py
"""

import importlib.util
import pathlib
import tempfile

import jax
from flax import nnx

from jaxdl import checkpoint, train
from jaxdl.logging import read_metrics
from jaxdl.tasks import nanogpt

_spec = importlib.util.spec_from_file_location(
    "shakespeare_char", pathlib.Path(__file__).resolve().parents[1] / "shakespeare_char.py")
shakespeare_char = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shakespeare_char)


def final_val_loss(positions: str, seed: int, preset: str, steps: int | None) -> tuple[float, int]:
    cfg = shakespeare_char.get_config(preset)
    cfg.model.positions, cfg.seed = positions, seed
    if steps:
        cfg.train.update(steps=steps, eval_every=steps, log_every=steps)
        cfg.checkpoint.every = steps
    with tempfile.TemporaryDirectory() as workdir:
        train.fit(cfg, workdir, nanogpt, devices=jax.devices()[:1])
        model, _, _ = checkpoint.load_model(pathlib.Path(workdir), nanogpt, log=lambda _: None)
        params = sum(p.size for p in jax.tree.leaves(nnx.state(model, nnx.Param)))
        return [m["val/loss"] for m in read_metrics(workdir) if "val/loss" in m][-1], params


def main(tiny: bool = False):
    preset, steps, seeds = ("smoke", 40, (0,)) if tiny else ("cpu", None, (0, 1, 2))
    results = {positions: [final_val_loss(positions, s, preset, steps) for s in seeds]
               for positions in ("learned", "rotary")}
    for positions, runs in results.items():
        print(f"{positions:8s}: val loss {[round(v, 4) for v, _ in runs]}, "
              f"{runs[0][1]:,} parameters")
    return results


if __name__ == "__main__":
    main()
