"""Exercise 2 (scaling): pad GPT-2's vocabulary from 50,257 to 50,304 tokens and look at the
token embedding's bytes per device under tensor parallelism over 8 devices.

  python experiments/scaling/solutions/padded_vocab.py

50,257 is odd, so the "vocab" axis cannot split over 8 devices and the rule table leaves the
table whole (replicated) on every device; 50,304 = 8 x 6,288 splits, so each device keeps 1/8.
The step is faster too on a GPU: 50,304 = 64 x 786, so the logits matmul (the largest of the
model) tiles without a ragged edge. Shapes only, on a narrow model (the embedding's split does not
depend on the width).
"""

import importlib.util
import os
import pathlib

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=8")

import jax  # noqa: E402
import ml_collections  # noqa: E402
import numpy as np  # noqa: E402

from jaxdl import mesh as mesh_lib  # noqa: E402
from jaxdl import optim  # noqa: E402
from jaxdl import state as state_lib  # noqa: E402
from jaxdl.tasks import nanogpt  # noqa: E402



def gpt2_config(preset):
    path = pathlib.Path(__file__).resolve().parents[2] / "nanogpt/gpt2.py"
    spec = importlib.util.spec_from_file_location("gpt2_config", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_config(preset)


def embedding_bytes_per_device(vocab: int, width: int = 64) -> int:
    cfg = gpt2_config("smoke")
    cfg.model.width = width
    cfg.mesh.update(data=1, fsdp=1, model=8)
    mesh = mesh_lib.make_mesh(cfg.mesh, jax.devices()[:8])
    spec = ml_collections.ConfigDict(dict(vocab_size=vocab))
    _, state, _ = state_lib.init(lambda rngs: nanogpt.build_model(cfg, spec, rngs), cfg,
                                 optim.build(cfg.opt, cfg.train.steps), mesh, abstract=True)
    [table] = jax.tree.leaves(state.params["token_embedding"])  # its shape, dtype, sharding
    return int(np.prod(table.sharding.shard_shape(table.shape))) * table.dtype.itemsize


def main(tiny: bool = False, width: int = 64):
    result = {vocab: embedding_bytes_per_device(vocab, width) for vocab in (50257, 50304)}
    if not tiny:
        for vocab, size in result.items():
            print(f"vocab {vocab:,}: token embedding {size / 2**20:.2f} MiB per device")
    return result


if __name__ == "__main__":
    main()
