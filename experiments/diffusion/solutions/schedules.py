"""Exercise 1 of the diffusion article: where do the linear and cosine schedules spend their
steps? Over T = 1000 steps, the step at which the signal-to-noise ratio
abar_t / (1 - abar_t) falls below 1, and the share of steps spent on images that are already
almost pure noise (abar_t < 0.01: less than 10% of the signal's standard deviation left). The
full exercise also trains with `--config.diffusion.schedule=linear` and compares DDIM-10 samples.

  python experiments/diffusion/solutions/schedules.py
"""

import numpy as np

from jaxdl.generative.diffusion import alpha_bars


def profile(kind: str, steps: int = 1000) -> dict:
    abar = alpha_bars(kind, steps)
    snr = abar / (1 - abar)
    return {"snr_below_1_at": int(np.argmax(snr < 1)),
            "share_almost_noise": float(np.mean(abar < 0.01))}


def main(tiny: bool = False):
    found = {kind: profile(kind) for kind in ("linear", "cosine")}
    for kind, numbers in found.items():
        print(f"{kind}: SNR < 1 from step {numbers['snr_below_1_at']}, "
              f"{numbers['share_almost_noise']:.0%} of the steps at abar < 0.01")
    return found


if __name__ == "__main__":
    main()
