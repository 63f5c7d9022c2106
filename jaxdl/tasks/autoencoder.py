"""Plain and denoising convolutional autoencoders on images.

encoder (ConvEncoder) -> `latents` numbers -> decoder (ConvDecoder, tanh) -> reconstruction, trained
to minimise the mean squared error per pixel against the clean image. With `model.noise_std` > 0
the encoder sees the image plus Gaussian noise during training (a denoising autoencoder): it must
learn what images look like, not copy pixels. `latents=2` (the `:latent2` preset) gives a map of
the data in the plane.
"""

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl import checkpoint
from jaxdl.nn.autoencoder import ConvDecoder, ConvEncoder
from jaxdl.tasks import generative
from jaxdl.tasks.generative import DATA_PRESETS, build_data  # noqa: F401  (the task's data)


def autoencoder_config(dataset: str = "fashion_mnist"):
    cfg = generative.image_config(dataset)
    cfg.model = dict(latents=16, widths=(32, 64), norm="none", noise_std=0.0)
    cfg.train.update(steps=3000, log_every=100, eval_every=1000)
    cfg.checkpoint.every = 1000
    cfg.opt.update(lr=1e-3, min_lr=1e-4, warmup_steps=100)
    return cfg


class Autoencoder(nnx.Module):
    def __init__(self, channels: int, image_size: int, *, latents: int, widths, norm: str,
                 noise_std: float, rngs: nnx.Rngs):
        self.encoder = ConvEncoder(channels, latents, image_size=image_size, widths=widths,
                                   norm=norm, rngs=rngs)
        self.decoder = ConvDecoder(latents, channels, image_size=image_size, widths=widths,
                                   norm=norm, rngs=rngs)
        self.noise_std = noise_std
        self.deterministic = False  # model.train() / model.eval(): corrupt the input or not

    def __call__(self, x, key=None):
        if self.noise_std and not self.deterministic:
            x = x + self.noise_std * jax.random.normal(key, x.shape)
        return jnp.tanh(self.decoder(self.encoder(x)))


def build_model(cfg, spec, rngs: nnx.Rngs) -> Autoencoder:
    m = cfg.model
    return Autoencoder(spec.in_channels, spec.image_size, latents=m.latents,
                       widths=tuple(m.widths), norm=m.norm, noise_std=m.noise_std, rngs=rngs)


def loss_fn(model: Autoencoder, batch, rng):
    """Mean squared error per pixel (images in [-1, 1]) over the unmasked rows."""
    x, mask = batch["images"], batch["mask"]
    error = jnp.square(model(x, rng) - x).reshape(len(x), -1).mean(-1)
    return (error * mask).sum() / jnp.maximum(mask.sum(), 1.0), {}


def sample_main(workdir, *, noise_std: float = 0.5, seed: int = 0):
    """--mode=sample: test images, their noisy versions and the reconstructions of both (rows of
    8), and with 2 latents a scatter of the test set's codes coloured by class."""
    model, cfg, spec = checkpoint.load_model(workdir, build_model)
    model.eval()  # a denoising model corrupts its input only in training
    images, labels = generative.test_images(cfg, 2000)
    x = jnp.asarray(images[:8])
    noisy = jnp.clip(x + noise_std * jax.random.normal(jax.random.key(seed), x.shape), -1, 1)
    rows = [x, model(x), noisy, model(noisy)]
    out = generative.write_grid(np.concatenate([np.asarray(r) for r in rows]),
                                f"{workdir}/reconstructions.png")
    if model.encoder.out.kernel.shape[-1] == 2:
        latent_map(model, images, labels, spec.classes, f"{workdir}/latent_map.png")
    return out


def latent_map(model, images, labels, classes, path):
    from jaxdl import figures

    codes = np.asarray(model.encoder(jnp.asarray(images)))
    plt = figures.pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    points = ax.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=3)
    handles = [plt.Line2D([], [], marker="o", ls="", color=points.cmap(points.norm(i)))
               for i in range(len(classes))]
    ax.legend(handles, classes, fontsize=6, markerscale=0.8, loc="best")
    ax.set(xlabel="latent 1", ylabel="latent 2", title="test images in a 2-D latent space")
    figures.save(fig, path)


def _cpu(cfg):
    """Fashion-MNIST on CPU cores: the unpadded 28x28 images, 800 steps of 64 (0.9 epochs);
    measured wall time in experiments/autoencoders."""
    cfg.data.update(image_size=28, batch_size=64, eval_examples=500)
    cfg.train.update(steps=800, eval_every=400, log_every=50)
    cfg.checkpoint.every = 400


def _denoising(cfg):
    cfg.model.noise_std = 0.5


def _latent2(cfg):
    cfg.model.latents = 2


PRESETS = dict(DATA_PRESETS, smoke=generative.smoke(latents=4, widths=(8, 16)),
               cpu=_cpu, denoising=_denoising, latent2=_latent2)
