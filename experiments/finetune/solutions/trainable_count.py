"""Exercise 2 (fine-tuning): count the trainable parameters of `last_block`, `lora` and `all`,
and compare them with the size of `save_trainable`'s file.

On a tiny random model of SmolLM2's architecture (2 blocks, width 32): `jaxdl.nn.freezing.count`
of what each preset's regex matches, and the bytes of the safetensors file `save_trainable`
writes (4 bytes per float32 number plus a small JSON header). With the 135M model the same code
gives the numbers in the article's table.

  python experiments/finetune/solutions/trainable_count.py [smollm2]   # the 135M model
"""

import importlib.util
import pathlib
import sys
import tempfile

from flax import nnx

from jaxdl.nn import freezing
from jaxdl.tasks import classify

_spec = importlib.util.spec_from_file_location(
    "spam", pathlib.Path(__file__).resolve().parents[1] / "spam.py")
spam = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(spam)


def counts(base: str = "tiny") -> dict[str, tuple[int, int, int]]:
    """preset -> (trainable numbers, all numbers, bytes of the trainable-only file)."""
    out = {}
    for preset in ("last_block", "lora", "all"):
        cfg = spam.get_config(f"{base},{preset}")
        cfg.finetune.cache_frozen = False
        model = classify.build_model(cfg, classify.types.SimpleNamespace(num_classes=2),
                                     nnx.Rngs(0))
        trained = freezing.count(freezing.trainable(model, model.trainable))
        total = freezing.count(freezing.named_params(model))
        with tempfile.TemporaryDirectory() as folder:
            path = freezing.save_trainable(model, model.trainable, folder, {"base": base})
            size = (path / "params.safetensors").stat().st_size
        out[preset] = (trained, total, size)
    return out


def main(tiny: bool = True, base: str = "tiny"):
    result = counts(base)
    for preset, (trained, total, size) in result.items():
        print(f"{preset:10s} {trained:8,d} of {total:8,d} trainable  file {size:9,d} bytes")
    return result


if __name__ == "__main__":
    main(base=sys.argv[1] if len(sys.argv) > 1 else "tiny")
