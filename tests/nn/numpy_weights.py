"""Models with weights drawn by NumPy, for tests of the larger vision models.

Building a model eagerly draws each weight with XLA's random number generator, which compiles
for seconds per distinct shape on a loaded 2-core CPU: MobileNetV2's init took 30 s. Here the
model is built with shapes only (`nnx.eval_shape`) and NumPy fills it: He-scaled normal kernels,
zero biases, identity BatchNorm (scale 1, shift 0, mean 0, variance 1)."""

import numpy as np
from flax import nnx

from jaxdl.pretrained import convert


def numpy_weights(make, seed: int = 0) -> nnx.Module:
    model = nnx.eval_shape(make)
    rng = np.random.default_rng(seed)
    arrays = {}
    for path, variable in nnx.to_flat_state(nnx.state(model)):
        shape = variable.shape
        if path[-1] == "kernel":
            fan_in = int(np.prod(shape[:-1]))
            arrays[path] = rng.normal(0, np.sqrt(2 / fan_in), shape).astype(np.float32)
        elif path[-1] in ("scale", "var"):
            arrays[path] = np.ones(shape, np.float32)
        else:
            arrays[path] = np.zeros(shape, np.float32)
    convert.assign(model, arrays)
    return model
