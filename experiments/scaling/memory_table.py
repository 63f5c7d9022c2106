"""Parameter and AdamW-state bytes per device of a GPT-2 config under each mesh and rule preset,
read from the shardings the training loop would use (shapes only: nothing is allocated).

  python experiments/scaling/memory_table.py            # GPT-2 124M on 8 simulated CPU devices
  python experiments/scaling/memory_table.py medium     # a preset of experiments/nanogpt/gpt2.py
"""

import os
import sys

os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import importlib.util  # noqa: E402
import pathlib  # noqa: E402

import ml_collections  # noqa: E402

from jaxdl import mesh as mesh_lib  # noqa: E402
from jaxdl import optim  # noqa: E402
from jaxdl import state as state_lib  # noqa: E402
from jaxdl.tasks import nanogpt  # noqa: E402

MESHES = [  # (data, fsdp, model), rule preset
    ((1, 1, 1), "fsdp_tp"), ((8, 1, 1), "fsdp_tp"), ((1, 8, 1), "fsdp_tp"), ((1, 1, 8), "fsdp_tp"),
    ((2, 2, 2), "fsdp_tp"), ((2, 2, 2), "dp"), ((2, 2, 2), "fsdp"),
]


def gpt2_config(preset: str):
    path = pathlib.Path(__file__).resolve().parents[1] / "nanogpt/gpt2.py"
    spec = importlib.util.spec_from_file_location("gpt2_config", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_config(preset)


def main(preset: str = "") -> None:
    import jax

    cfg = gpt2_config(preset)
    data_spec = ml_collections.ConfigDict(dict(vocab_size=nanogpt.GPT2_VOCAB))
    tx = optim.build(cfg.opt, cfg.train.steps)
    print(f"GPT-2 {preset or '124M'}: {cfg.model.layers} layers, width {cfg.model.width}; "
          f"{jax.device_count()} {jax.devices()[0].platform} devices")
    print("| mesh (data, fsdp, model) | rules | params MiB/device | AdamW MiB/device | total |")
    print("| --- | --- | ---: | ---: | ---: |")
    for sizes, rules in MESHES:
        cfg.mesh.update(dict(zip(mesh_lib.MESH_AXES, sizes)))
        cfg.sharding = rules
        n = sizes[0] * sizes[1] * sizes[2]
        mesh = mesh_lib.make_mesh(cfg.mesh, jax.devices()[:n])
        _, state, _ = state_lib.init(lambda rngs: nanogpt.build_model(cfg, data_spec, rngs), cfg,
                                     tx, mesh, abstract=True)
        params = mesh_lib.bytes_per_device(state.params) / 2**20
        opt = mesh_lib.bytes_per_device(state.opt_state) / 2**20
        print(f"| {sizes} | {rules} | {params:,.1f} | {opt:,.1f} | {params + opt:,.1f} |")


if __name__ == "__main__":
    main(*sys.argv[1:])
