"""Exercise 1 (ViT article): the digits ViT's 69,194 parameters from the formulas.

Per block: q, k, v and the output projection ($4E^2$ weights, $4E$ biases), the MLP ($2rE^2$
weights, $rE + E$ biases), two LayerNorms ($4E$). Around the blocks: the patch embedding
($p^2 C E + E$), the class token ($E$), the position table ($(N + 1) E$), the final LayerNorm
($2E$) and the head ($EK + K$). Checked against the model the digits config builds (abstractly,
with `nnx.eval_shape`: nothing is computed).

  python experiments/vit/solutions/count.py
"""

import jax
from flax import nnx

from jaxdl.nn.vit import ViT


def by_formula(image=8, channels=1, patch=2, E=64, layers=2, r=2, classes=10) -> dict[str, int]:
    N = (image // patch) ** 2
    block = 4 * E * E + 4 * E + 2 * r * E * E + r * E + E + 4 * E
    return {"patch embedding": patch * patch * channels * E + E, "class token": E,
            "positions": (N + 1) * E, "blocks": layers * block, "final LayerNorm": 2 * E,
            "head": E * classes + classes}


def built(patch: int = 2) -> int:
    model = nnx.eval_shape(lambda: ViT(num_classes=10, in_channels=1, image_size=8,
                                       patch_size=patch, width=64, layers=2, heads=4,
                                       mlp_ratio=2, rngs=nnx.Rngs(0)))
    return sum(p.size for p in jax.tree.leaves(nnx.state(model, nnx.Param)))


def main(tiny: bool = False):
    counts = {patch: (sum(by_formula(patch=patch).values()), built(patch)) for patch in (2, 4)}
    for patch, (formula, model) in counts.items():
        print(f"patch {patch}: {formula:,} by formula, {model:,} in the built model")
    return counts


if __name__ == "__main__":
    main()
