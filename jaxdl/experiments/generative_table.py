"""The Fashion-MNIST table of the generative models: Fréchet distance to the test set in our own
classifier's feature space (not comparable to published FIDs), the classifier's accuracy on
class-conditional samples, samples per second, and the floor and ceiling rows.

  python -m jaxdl.experiments.generative_table --classifier=runs/cnn/fashion \\
      --diffusion=runs/diffusion/fashion --gan=runs/gan/fashion --vae=runs/vae/fashion \\
      --num_samples=1000 --out=experiments/diffusion/table.json

Every row uses `num_samples` images (FD estimates are biased upwards at small N, so compare rows
of one N only). Workdirs left out skip their rows.
"""

import json
import pathlib
import time

import jax
import numpy as np
from absl import app, flags

from jaxdl import checkpoint
from jaxdl.data import images as images_lib
from jaxdl.generative import grid
from jaxdl.generative.judge import Judge
from jaxdl.tasks import diffusion, gan, generative, vae

CLASSIFIER = flags.DEFINE_string("classifier", None, "Workdir of the Fashion-MNIST small CNN.")
DIFFUSION = flags.DEFINE_string("diffusion", None, "Workdir of a class-conditional diffusion run.")
GAN = flags.DEFINE_string("gan", None, "Workdir of a GAN run.")
VAE = flags.DEFINE_string("vae", None, "Workdir of a VAE run.")
NUM = flags.DEFINE_integer("num_samples", 1000, "Images per row.")
DDPM = flags.DEFINE_bool("ddpm", True, "Include the 1000-step DDPM rows (the slowest).")
SEED = flags.DEFINE_integer("seed", 0, "Seed of the diffusion rows' noise: other seeds show how "
                            "much an FD from `num_samples` images moves by chance.")
ROWS = flags.DEFINE_list("rows", [], "Only the diffusion rows whose names contain one of these "
                         "(e.g. 'DDPM 1000 steps,eta 1'); all when empty.")
OUT = flags.DEFINE_string("out", None, "Also write the rows as JSON here.")
GRIDS = flags.DEFINE_string("grids", None, "Also write each model row's first 40 samples as a "
                            "PNG grid into this folder.")


def _timed(fn):
    """(fn(), seconds of a second call: the first one compiles and warms up)."""
    jax.block_until_ready(fn())
    started = time.perf_counter()
    result = jax.block_until_ready(fn())
    return result, time.perf_counter() - started


def _grid(name: str, images) -> None:
    if GRIDS.value:
        file = "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_") + ".png"
        grid.save_png(np.asarray(images[:40]), pathlib.Path(GRIDS.value) / file, columns=10)


def rows(judge: Judge, num: int) -> list[dict]:
    splits = images_lib.load_splits("fashion_mnist", val_fraction=0.1, seed=0)
    to_model = generative.ToModelRange(32, binarize=False)
    test = to_model.map(dict(splits["test"]))["images"]
    judge.set_reference(test)
    train = to_model.map({k: v[:num] for k, v in splits["train"].items()})["images"]
    out = [{"model": "floor: train images", **judge.score(train)},
           {"model": "ceiling: the mean train image", **judge.score(
               np.broadcast_to(train.mean(0), train.shape))},
           {"model": "ceiling: uniform noise", **judge.score(
               np.random.default_rng(0).uniform(-1, 1, train.shape).astype(np.float32))}]
    if VAE.value:
        model, cfg, _ = checkpoint.load_model(VAE.value, vae.build_model)
        z = jax.random.normal(jax.random.key(0), (num, model.latents))
        decoded, seconds = _timed(lambda: model.decode_mean(z))
        x = 2 * np.asarray(decoded) - 1 if cfg.data.binarize else np.asarray(decoded)
        out.append({"model": "VAE (decoder means)", "samples_per_s": num / seconds,
                    **judge.score(x)})
        _grid("vae", x)
    if GAN.value:
        model, _, _ = checkpoint.load_model(GAN.value, gan.build_model)
        z = jax.random.normal(jax.random.key(0), (num, model.latents))
        fake, seconds = _timed(lambda: model.generate(z))
        out.append({"model": "GAN", "samples_per_s": num / seconds, **judge.score(fake)})
        _grid("gan", fake)
    if DIFFUSION.value:
        model, _, spec = checkpoint.load_model(DIFFUSION.value, diffusion.build_model)
        shape = (num, spec.image_size, spec.image_size, spec.in_channels)
        ddpm = dict(method="ddpm", steps=model.steps, eta=1.0)
        settings = [("DDPM 1000 steps", dict(ddpm, conditional=False)),
                    # the conditional pair of DDIM's guidance-1 row: is the unconditional gap
                    # between DDIM and DDPM the null label's weaker branch?
                    ("DDPM 1000, class-conditional (guidance 1)", dict(ddpm, guidance=1.0)),
                    ] if DDPM.value else []
        settings += [("DDIM 50 steps", dict(steps=50, conditional=False)),
                     ("DDIM 10 steps", dict(steps=10, conditional=False)),
                     # is DDIM's gap to DDPM its few steps, or its determinism?
                     ("DDIM 250 steps", dict(steps=250, conditional=False)),
                     ("DDIM 50 steps, eta 1", dict(steps=50, eta=1.0, conditional=False)),
                     ("DDIM 50, class-conditional (guidance 1)", dict(steps=50, guidance=1.0)),
                     ("DDIM 50, guided (guidance 3)", dict(steps=50, guidance=3.0))]
        for name, kwargs in settings:
            if ROWS.value and not any(part in name for part in ROWS.value):
                continue
            samples, labels, seconds = diffusion.generate(model, shape, seed=SEED.value, **kwargs)
            out.append({"model": name, "samples_per_s": num / seconds, "seed": SEED.value,
                        **judge.score(samples, labels)})
            print(json.dumps(out[-1]), flush=True)
            _grid(name, samples)
    return out


def main(argv):
    del argv
    if not CLASSIFIER.value:
        raise app.UsageError("--classifier is required (train it with experiments/cnn/fashion_mnist.py).")
    table = rows(Judge(CLASSIFIER.value), NUM.value)
    print(f"| model | FD (ours) | conditional accuracy | samples/s |  (N = {NUM.value})")
    for row in table:
        accuracy = f"{row['accuracy']:.3f}" if "accuracy" in row else "-"
        speed = f"{row['samples_per_s']:.1f}" if "samples_per_s" in row else "-"
        print(f"| {row['model']} | {row['fd']:.2f} | {accuracy} | {speed} |")
    print("\nclass histograms of the samples, as our classifier labels them (classes 0-9):")
    for row in table:
        shares = " | ".join(f"{share:.2f}" for share in row["histogram"])
        print(f"| {row['model']} | {shares} |")
    if OUT.value:
        pathlib.Path(OUT.value).write_text(json.dumps(table, indent=1))


if __name__ == "__main__":
    app.run(main)
