"""Variational autoencoder on images: ELBO training with the reparameterization trick, a
Bernoulli decoder over binarized pixels (`data.binarize=True`) or a Gaussian one with a learned
pixel noise, and the importance-weighted bound (k = 100) of the test set.

The encoder is `ConvEncoder` to 2 * latents numbers (mean, log variance); the decoder
`ConvDecoder`. Losses are per image in nats (summed over pixels); `loss` is the negative ELBO.
The math lives in `jaxdl.generative.elbo`.
"""

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl import checkpoint
from jaxdl.generative import elbo as elbo_lib
from jaxdl.nn.autoencoder import ConvDecoder, ConvEncoder
from jaxdl.tasks import generative
from jaxdl.tasks.generative import DATA_PRESETS, build_data  # noqa: F401  (the task's data)


def vae_config(dataset: str = "fashion_mnist"):
    cfg = generative.image_config(dataset)
    cfg.data.binarize = True
    cfg.model = dict(latents=20, widths=(32, 64), norm="none")
    cfg.train.update(steps=6000, log_every=100, eval_every=1000)
    cfg.checkpoint.every = 1000
    cfg.opt.update(lr=1e-3, min_lr=1e-4, warmup_steps=100)
    return cfg


class VAE(nnx.Module):
    def __init__(self, channels: int, image_size: int, *, latents: int, widths, norm: str,
                 bernoulli: bool, rngs: nnx.Rngs):
        self.encoder = ConvEncoder(channels, 2 * latents, image_size=image_size, widths=widths,
                                   norm=norm, rngs=rngs)
        self.decoder = ConvDecoder(latents, channels, image_size=image_size, widths=widths,
                                   norm=norm, rngs=rngs)
        self.bernoulli, self.latents = bernoulli, latents
        # One learned noise level for every pixel of the Gaussian decoder.
        self.log_sigma = None if bernoulli else nnx.Param(jnp.zeros(()))

    def encode(self, x):
        mean, log_var = jnp.split(self.encoder(x), 2, axis=-1)
        return mean, log_var

    def log_likelihood(self, z, x):
        """log p(x|z) per image."""
        out = self.decoder(z)
        if self.bernoulli:
            return elbo_lib.bernoulli_log_likelihood(out, x)
        return elbo_lib.gaussian_log_likelihood(out, self.log_sigma[...], x)

    def decode_mean(self, z):
        out = self.decoder(z)
        return jax.nn.sigmoid(out) if self.bernoulli else out


def build_model(cfg, spec, rngs: nnx.Rngs) -> VAE:
    m = cfg.model
    return VAE(spec.in_channels, spec.image_size, latents=m.latents, widths=tuple(m.widths),
               norm=m.norm, bernoulli=cfg.data.binarize, rngs=rngs)


def _masked_mean(values, mask):
    return (values * mask).sum() / jnp.maximum(mask.sum(), 1.0)


def loss_fn(model: VAE, batch, rng):
    """Negative ELBO per image (nats), with its reconstruction and KL parts."""
    x, mask = batch["images"], batch["mask"]
    mean, log_var = model.encode(x)
    noise = jax.random.normal(rng, mean.shape)
    bound, log_px, kl = elbo_lib.elbo(model.log_likelihood, x, mean, log_var, noise)
    return _masked_mean(-bound, mask), {"reconstruction": _masked_mean(-log_px, mask),
                                        "kl": _masked_mean(kl, mask)}


def test_bounds(model: VAE, images, *, k: int = 100, batch_size: int = 250, seed: int = 0):
    """(negative ELBO, negative L_k) in nats per image, means over `images`."""
    graphdef, state = nnx.split(model)

    @jax.jit
    def bounds(state, x, key):
        m = nnx.merge(graphdef, state)
        mean, log_var = m.encode(x)
        elbo_key, iw_key = jax.random.split(key)
        elbo = elbo_lib.elbo(m.log_likelihood, x, mean, log_var,
                             jax.random.normal(elbo_key, mean.shape))[0]
        iw = elbo_lib.importance_weighted_bound(m.log_likelihood, x, mean, log_var,
                                                jax.random.normal(iw_key, (k, *mean.shape)))
        return -elbo.sum(), -iw.sum()

    totals = np.zeros(2)
    for i, start in enumerate(range(0, len(images), batch_size)):
        x = jnp.asarray(images[start:start + batch_size])
        totals += np.asarray(bounds(state, x, jax.random.key(seed + i)), np.float64)
    return tuple(totals / len(images))


def bound_main(workdir, *, k: int, num: int):
    """--mode=bound: the test set's negative ELBO and importance-weighted bound."""
    model, cfg, _ = checkpoint.load_model(workdir, build_model)
    images, _ = generative.test_images(cfg, num)
    nelbo, niw = test_bounds(model, images, k=k)
    print(f"test ({len(images)} images): negative ELBO {nelbo:.2f} nats, "
          f"importance-weighted (k={k}) {niw:.2f} nats", flush=True)
    return nelbo, niw


def sample_main(workdir, *, num_samples: int, seed: int):
    """--mode=sample: decoder means of z ~ N(0, I), and a latent interpolation between test
    images (rows: pairs; columns: 8 points on the line between their posterior means)."""
    model, cfg, _ = checkpoint.load_model(workdir, build_model)
    z = jax.random.normal(jax.random.key(seed), (num_samples, model.latents))
    binary = bool(cfg.data.binarize)
    generative.write_grid(np.asarray(model.decode_mean(z)), f"{workdir}/samples_seed{seed}.png",
                          binary=binary)
    images, _ = generative.test_images(cfg, 16)
    mean, _ = model.encode(jnp.asarray(images))
    weights = jnp.linspace(0, 1, 8)[None, :, None]
    line = mean[0::2, None] * (1 - weights) + mean[1::2, None] * weights  # [8 pairs, 8, Z]
    decoded = model.decode_mean(line.reshape(-1, model.latents))
    return generative.write_grid(np.asarray(decoded), f"{workdir}/interpolation.png",
                                 binary=binary)


def _cpu(cfg):
    """Fashion-MNIST on CPU cores: the unpadded 28x28 images, 1200 steps of 64 (1.4 epochs),
    276 s wall on one core of a 2-core EPYC shared with other jobs (experiments/autoencoders)."""
    cfg.data.update(image_size=28, batch_size=64, eval_examples=500)
    cfg.train.update(steps=1200, eval_every=400, log_every=50)
    cfg.checkpoint.every = 400


def _gaussian(cfg):
    cfg.data.binarize = False


def _flax_example(cfg):
    """The Flax VAE example's settings (20 latents, batch 128, Adam 1e-3, 30 epochs of 60k) on
    tfds mnist thresholded at 0.5 (prepared tfds data; the example's binarized_mnist is not
    supported here)."""
    cfg.data.update(dataset="mnist", image_size=32, binarize=True)
    cfg.model.latents = 20
    cfg.data.batch_size = 128
    cfg.train.steps = 30 * 60_000 // 128
    cfg.opt.update(lr=1e-3, min_lr=1e-3, warmup_steps=0, grad_clip=0.0)


PRESETS = dict(DATA_PRESETS, smoke=generative.smoke(latents=4, widths=(8, 16)),
               cpu=_cpu, gaussian=_gaussian,
               flax_example=_flax_example)
