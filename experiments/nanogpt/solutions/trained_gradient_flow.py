"""Exercise 3 (nanoGPT article): how far back does the gradient reach after training?

Trains the `rnn`, `gru` and `lstm` presets through the shared loop and measures
$\\lVert \\partial \\ell_T / \\partial h_t \\rVert$ against $T - t$ on validation windows, for the
trained weights and for a fresh initialisation of the same config, with the RNN chapter's
`gradient_flow.measure` (which keeps only the last position's loss).

The test trains the `smoke` size (width 32, windows of 32) for 30 steps. The chapter's figure
and table are the full-size version: `experiments/rnn/reproduce.sh` (hidden 256, 1000 steps),
then `python experiments/rnn/gradient_flow.py --runs=runs/rnn`.

  JAXDL_DATA_DIR=... python experiments/nanogpt/solutions/trained_gradient_flow.py
"""

import importlib.util
import pathlib
import sys
import tempfile

import jax

from jaxdl import train
from jaxdl.tasks import nanogpt

EXPERIMENTS = pathlib.Path(__file__).resolve().parents[2]


def _load(name: str, path: pathlib.Path):
    if name not in sys.modules:  # gradient_flow defines absl flags: load it once per process
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


gradient_flow = _load("gradient_flow", EXPERIMENTS / "rnn" / "gradient_flow.py")
shakespeare_char = _load("shakespeare_char", EXPERIMENTS / "nanogpt" / "shakespeare_char.py")


def curves(cell: str, steps: int | None, tiny: bool) -> dict:
    cfg = shakespeare_char.get_config(f"cpu,{cell}")
    if tiny:
        cfg.data.update(batch_size=8, block_size=32)
        cfg.model.width = 32
        cfg.train.update(steps=steps, log_every=steps, eval_every=steps, eval_steps=2)
        cfg.checkpoint.every = steps
    with tempfile.TemporaryDirectory() as workdir:
        train.fit(cfg, workdir, nanogpt, devices=jax.devices()[:1])
        return gradient_flow.measure(pathlib.Path(workdir))


def main(tiny: bool = False):
    results = {cell: curves(cell, 30 if tiny else None, tiny) for cell in ("rnn", "gru", "lstm")}
    for cell, by_weights in results.items():
        for weights, curve in by_weights.items():
            shown = [d for d in gradient_flow.DISTANCES if d < len(curve)]
            print(f"{cell:4s} {weights:7s} " + " ".join(f"T-t={d}: {curve[d]:.1e}" for d in shown))
    return results


if __name__ == "__main__":
    main()
