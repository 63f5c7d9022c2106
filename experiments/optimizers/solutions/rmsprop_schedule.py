"""Exercise 3 (optimizers, research-y): why RMSprop hovers, and whether a schedule cures it.

Near a minimum RMSprop's step g / sqrt(s) stays about +-1 in each coordinate, because s tracks
the recent g^2: the step length stays about lr and the point hovers at a distance set by lr.
Measure on the axis-aligned bowl: the mean distance from the minimum over the last 200 of 1000
steps at constant rates 1e-2, 3e-2 and 1e-1 (does it scale with lr?), and f - f* after 1000
steps at rate 1e-2, constant against a cosine decay to 0. (Full size: put
opt.RMSprop(opt.cosine_decay(lr, 1000)) into the article's race, jaxdl/studies/optimizers.py, and
see whether RMSprop's "never" becomes a step count.)

  python experiments/optimizers/solutions/rmsprop_schedule.py
"""

import numpy as np

from jaxdl.scratch import optimizers as opt
from jaxdl.studies.optimizers import SURFACES, descend

STEPS = 1000


def main(tiny: bool = False):
    """{"hover": {lr: mean |p| over the last 200 steps}, "constant"/"cosine": final f - f*}."""
    function, start, _, _ = SURFACES["bowl, axis-aligned (condition 50)"]
    hover = {}
    for lr in (1e-2, 3e-2, 1e-1):
        path, _ = descend(function, start, opt.RMSprop(lr), STEPS)
        hover[lr] = float(np.linalg.norm(path[-200:], axis=1).mean())
    found = {"hover": hover}
    for name, lr in (("constant", 1e-2), ("cosine", opt.cosine_decay(1e-2, STEPS))):
        _, values = descend(function, start, opt.RMSprop(lr), STEPS)
        found[name] = float(values[-1])  # f* = 0 at the origin
    for lr, distance in hover.items():
        print(f"constant lr {lr:g}: mean distance from the minimum, last 200 steps {distance:.2e}")
    print(f"f - f* after {STEPS} steps at lr 1e-2: constant {found['constant']:.2e}, "
          f"cosine decay {found['cosine']:.2e}")
    return found


if __name__ == "__main__":
    main()
