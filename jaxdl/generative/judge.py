"""Judging generated Fashion-MNIST images with our own classifier (experiments/cnn's small CNN):
the Fréchet distance to the test set in its feature space, its accuracy on class-conditional
samples, and the class histogram of unconditional ones. See `jaxdl.generative.frechet`.
"""

import jax
import numpy as np
from flax import nnx

from jaxdl import checkpoint
from jaxdl.errors import UserError
from jaxdl.generative import frechet


class Judge:
    def __init__(self, classifier_workdir):
        from jaxdl.tasks import image

        model, cfg, spec = checkpoint.load_model(classifier_workdir, image)
        if cfg.model.name != "small_cnn" or cfg.data.dataset != "fashion_mnist":
            raise UserError(f"{classifier_workdir} holds a {cfg.model.name} on {cfg.data.dataset}; "
                            "the judge reads the small CNN trained by experiments/cnn/fashion_mnist.py.")
        graphdef, state = nnx.split(model)
        mean, std = tuple(spec.mean), tuple(spec.std)

        @jax.jit
        def features(state, images):
            m = nnx.merge(graphdef, state)
            return frechet.small_cnn_features(m, frechet.to_classifier_input(images, mean, std))

        self._features = lambda x: features(state, x)
        self._test_stats = None

    def features(self, images, batch_size: int = 500) -> tuple[np.ndarray, np.ndarray]:
        """(features [N, 128], predicted classes [N]) of images in [-1, 1], 28x28 or 32x32."""
        feats, preds = [], []
        for start in range(0, len(images), batch_size):
            f, logits = self._features(np.asarray(images[start:start + batch_size], np.float32))
            feats.append(np.asarray(f))
            preds.append(np.asarray(logits).argmax(-1))
        return np.concatenate(feats), np.concatenate(preds)

    def set_reference(self, images) -> None:
        self._test_stats = frechet.gaussian_stats(self.features(images)[0])

    def score(self, images, labels=None) -> dict:
        """FD to the reference set; with `labels`, the classifier's accuracy on them; always the
        class histogram of its predictions (fractions)."""
        features, predicted = self.features(images)
        result = {"fd": frechet.frechet_distance(*frechet.gaussian_stats(features),
                                                 *self._test_stats),
                  "histogram": (np.bincount(predicted, minlength=10) / len(predicted)).tolist()}
        if labels is not None:
            result["accuracy"] = float(np.mean(predicted == np.asarray(labels)))
        return result
