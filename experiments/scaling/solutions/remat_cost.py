"""Exercise 4 (scaling): what `model.remat=block` recomputes, and what it costs.

  python experiments/scaling/solutions/remat_cost.py

A profile (`--config.train.profile=10:14`, then experiments/scaling/profile_table.py) shows the
forward's matmul and GELU fusions a second time in the backward pass with remat. The same count
without a profiler: XLA's cost analysis of the compiled train step, with and without remat, on
the nanoGPT smoke model. The forward is about a third of a step's FLOPs (backward: twice the
forward), so recomputing it adds about a third (less the parts outside the blocks: the
embedding and the head are not recomputed).
"""

import importlib.util
import pathlib

import jax
import numpy as np

from jaxdl import mesh as mesh_lib
from jaxdl import train
from jaxdl.tasks import nanogpt


def step_flops(remat: str) -> float:
    path = pathlib.Path(__file__).resolve().parents[2] / "nanogpt/shakespeare_char.py"
    spec = importlib.util.spec_from_file_location("char_config", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cfg = module.get_config("smoke,plays")
    cfg.model.remat = remat
    run = train.prepare(cfg, nanogpt, jax.devices()[:1])
    batch = mesh_lib.put_batch(next(run.data.train), run.batch_sharding)
    compiled = run.train_step.lower(run.leaves, batch).compile()
    return float(compiled.cost_analysis()["flops"])


def main(tiny: bool = False):
    flops = {remat: step_flops(remat) for remat in ("none", "block")}
    flops["ratio"] = flops["block"] / flops["none"]
    if not tiny:
        print(f"train step FLOPs: {flops['none']:.3g} without remat, {flops['block']:.3g} with "
              f"remat=block ({flops['ratio']:.2f}x)")
    return flops


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
