"""DCGAN on images: a generator (ConvDecoder + tanh) and a discriminator (ConvEncoder with
LeakyReLU, one logit), trained together by the shared loop.

The two players need two optimizers and two losses, and the loop has one of each. So
`build_optimizer` gives each player its own Adam through `optax.multi_transform` (labels: the
model's top-level attributes), and `loss_fn` returns L_D + L_G built so that each player's
gradient is that of its own loss only (`jaxdl.generative.gan.two_player_loss`). One jitted step
then updates both simultaneously.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from jaxdl import checkpoint
from jaxdl import config as config_lib
from jaxdl import optim
from jaxdl.generative import gan
from jaxdl.nn.autoencoder import ConvDecoder, ConvEncoder
from jaxdl.tasks import generative
from jaxdl.tasks.generative import DATA_PRESETS, build_data  # noqa: F401  (the task's data)


def gan_config(dataset: str = "fashion_mnist"):
    cfg = generative.image_config(dataset)
    cfg.model = dict(latents=64, generator_widths=(64, 128, 256), discriminator_widths=(64, 128, 256),
                     generator_norm="batch", loss="non_saturating")
    cfg.train.update(steps=5000, log_every=100, eval_every=1000)
    cfg.checkpoint.every = 1000
    # DCGAN's Adam: lr 2e-4, beta1 0.5; constant rate, no clipping, no decay. Both players read
    # cfg.opt (so every --config.opt.* override reaches both); the generator's learning rate is
    # scaled by generator_opt.lr_scale (two time-scale updates, e.g. 0.25 with a 4x larger opt.lr).
    cfg.opt.update(lr=2e-4, min_lr=2e-4, warmup_steps=0, b1=0.5, b2=0.999, weight_decay=0.0,
                   grad_clip=0.0)
    cfg.generator_opt = dict(lr_scale=1.0)
    return cfg


CONFIG_RULES = {"generator_opt.lr_scale": config_lib.number()}


class GAN(nnx.Module):
    def __init__(self, channels: int, image_size: int, *, latents: int, generator_widths,
                 discriminator_widths, generator_norm: str, loss: str, rngs: nnx.Rngs):
        self.generator = ConvDecoder(latents, channels, image_size=image_size,
                                     widths=generator_widths, norm=generator_norm, rngs=rngs)
        self.discriminator = ConvEncoder(channels, 1, image_size=image_size,
                                         widths=discriminator_widths, activation="leaky_relu",
                                         rngs=rngs)
        self.latents, self.loss = latents, loss

    def generate(self, z):
        return jnp.tanh(self.generator(z))


def build_model(cfg, spec, rngs: nnx.Rngs) -> GAN:
    m = cfg.model
    return GAN(spec.in_channels, spec.image_size, latents=m.latents,
               generator_widths=tuple(m.generator_widths),
               discriminator_widths=tuple(m.discriminator_widths),
               generator_norm=m.generator_norm, loss=m.loss, rngs=rngs)


def generator_opt(cfg):
    """cfg.opt as read when the optimizer is built (after the user's overrides), with its learning
    rates scaled by cfg.generator_opt.lr_scale."""
    opt = cfg.opt.copy_and_resolve_references()
    scale = cfg.generator_opt.lr_scale
    opt.update(lr=opt.lr * scale, min_lr=opt.min_lr * scale)
    return opt


def build_optimizer(cfg) -> optax.GradientTransformation:
    """Adam per player, both from cfg.opt; the generator's learning rate scaled (generator_opt)."""
    return gan.player_optimizer({"generator": optim.build(generator_opt(cfg), cfg.train.steps),
                                 "discriminator": optim.build(cfg.opt, cfg.train.steps)})


def loss_fn(model: GAN, batch, rng):
    """L_D + L_G (each player's gradient is its own loss's), both losses and the discriminator's
    mean belief in real and fake images as metrics; padded rows masked out."""
    z = jax.random.normal(rng, (len(batch["images"]), model.latents))
    generator = lambda z: jnp.tanh(model.generator(z))  # noqa: E731
    total, metrics = gan.two_player_loss(generator, model.discriminator, batch["images"], z,
                                         model.loss, batch["mask"])
    return total, metrics


def sample_main(workdir, *, num_samples: int, seed: int):
    """--mode=sample: a grid of generated images."""
    model, _, _ = checkpoint.load_model(workdir, build_model)
    z = jax.random.normal(jax.random.key(seed), (num_samples, model.latents))
    return generative.write_grid(np.asarray(model.generate(z)), f"{workdir}/samples_seed{seed}.png")


def _cpu(cfg):
    """Fashion-MNIST on CPU cores: players of widths (32, 64, 128), 800 steps of 64 (0.9
    epochs), 8.8 GFLOP per step (XLA's count); 371 s wall on one core of a 2-core EPYC shared
    with other jobs (experiments/gan/README.md)."""
    cfg.model.update(generator_widths=(32, 64, 128), discriminator_widths=(32, 64, 128))
    cfg.data.update(batch_size=64, eval_examples=500)
    cfg.train.update(steps=800, eval_every=400, log_every=25)
    cfg.checkpoint.every = 400


def _hinge(cfg):
    cfg.model.loss = "hinge"


PRESETS = dict(DATA_PRESETS,
               smoke=generative.smoke(latents=8, generator_widths=(8, 16),
                                      discriminator_widths=(8, 16)),
               cpu=_cpu, hinge=_hinge)
