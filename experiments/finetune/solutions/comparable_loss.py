"""Exercise 3 (fine-tuning): with and without `mask_prompt`, which held-out loss compares?

`val/loss` is the mean next-token loss over the positions a run counts: every token without
`mask_prompt`, the response tokens alone with it. Those are means over different tokens (the
prompt's template is easy to predict and makes the plain loss lower), so the two runs' `val/loss`
do not compare. What compares is one rule applied to both models: the loss over the response
tokens, which `instruct.example` gives when the config says `mask_prompt=True`, whatever the
model was trained with.

Here, on one tiny random model, the same entries scored both ways; the response-only loss is
also recomputed in NumPy from the logits.

  python experiments/finetune/solutions/comparable_loss.py
"""

import importlib.util
import pathlib

import jax
import numpy as np
from flax import nnx

from jaxdl.tasks import instruct, lm_finetune

_spec = importlib.util.spec_from_file_location(
    "instruct_config", pathlib.Path(__file__).resolve().parents[1] / "instruct.py")
config = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(config)

ENTRIES = ({"instruction": "Convert 5 kilometers to meters.", "input": "", "output": "5000 meters"},
           {"instruction": "Give the opposite of 'hot'.", "input": "", "output": "Cold."})


def losses(entries=ENTRIES) -> dict[str, float]:
    """The same model's loss on `entries` over every token and over the response tokens only,
    and the latter recomputed in NumPy."""
    model = instruct.build_model(config.get_config("tiny"), None, nnx.Rngs(0))
    loss = nnx.jit(lambda m, b: instruct.loss_fn(m, b, jax.random.key(0))[0])
    out = {}
    for name, preset in (("every token", "tiny"), ("response only", "tiny,mask_prompt")):
        cfg = config.get_config(preset)
        batch = instruct.collate(lm_finetune.ByteTokenizer.pad, 64)(
            [instruct.example(cfg, e) for e in entries])
        out[name] = float(loss(model, batch))
    logits = np.asarray(nnx.jit(lambda m, x: m(x))(model, batch["inputs"]), np.float64)
    top = logits.max(-1, keepdims=True)
    logp = logits - top - np.log(np.exp(logits - top).sum(-1, keepdims=True))
    nll = -np.take_along_axis(logp, batch["targets"][..., None], -1)[..., 0]
    out["response only, NumPy"] = float((nll * batch["mask"]).sum() / batch["mask"].sum())
    return out


def main(tiny: bool = True):
    result = losses()
    for name, value in result.items():
        print(f"{name:22s} {value:.4f}")
    return result


if __name__ == "__main__":
    main()
