"""Exercise 1 (CNN article): the small CNN's parameters and multiply-adds, layer by layer, from
the formulas $k^2 C_{in} C_{out}$ (+ $C_{out}$ biases) and $H_{out} W_{out} k^2 C_{in} C_{out}$,
checked against the model the Fashion-MNIST config builds (counted without compiling anything:
`nnx.eval_shape` builds it abstractly).

The convolutions have no bias (BatchNorm's shift replaces it); each BatchNorm has a scale and a
shift per channel.

  python experiments/cnn/solutions/count_small_cnn.py
"""

import jax
from flax import nnx

from jaxdl.nn.cnn import SmallCNN


def by_formula(side: int = 28, channels: int = 1, widths=(32, 64), hidden: int = 128,
               classes: int = 10) -> dict[str, tuple[int, int]]:
    """{layer: (parameters, multiply-adds per image)}."""
    layers, c_in = {}, channels
    for i, c_out in enumerate(widths, 1):
        layers[f"conv{i}"] = (9 * c_in * c_out, side * side * 9 * c_in * c_out)  # 3x3, SAME
        layers[f"batchnorm{i}"] = (2 * c_out, 0)
        side, c_in = side // 2, c_out  # 2x2 max-pool
    features = side * side * c_in
    layers["dense1"] = (features * hidden + hidden, features * hidden)
    layers["dense2"] = (hidden * classes + classes, hidden * classes)
    return layers


def built(side: int = 28) -> int:
    model = nnx.eval_shape(lambda: SmallCNN(num_classes=10, in_channels=1, image_size=side,
                                            rngs=nnx.Rngs(0)))
    return sum(p.size for p in jax.tree.leaves(nnx.state(model, nnx.Param)))


def main(tiny: bool = False):
    layers = by_formula()
    for name, (params, macs) in layers.items():
        print(f"{name:11s} {params:>9,} params {macs:>11,} multiply-adds")
    total = sum(p for p, _ in layers.values())
    print(f"total {total:,} by formula, {built():,} in the built model")
    return layers, built()


if __name__ == "__main__":
    main()
