"""Denoising diffusion (DDPM training, DDPM/DDIM sampling, classifier-free guidance) on images.

The model is a UNet that predicts the noise of x_t, wrapped with its schedule and the moving
average of its weights (sampling uses the average). With `model.conditional`, the UNet also
reads the class label, replaced by the null label with probability `model.p_uncond` during
training, so that one network gives both the conditional and the unconditional prediction that
guidance mixes. The math lives in `jaxdl.generative.diffusion`.
"""

import functools
import time

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl import checkpoint
from jaxdl.generative import diffusion
from jaxdl.generative.ema import Averaged
from jaxdl.nn.unet import UNet
from jaxdl.tasks import generative
from jaxdl.tasks.generative import DATA_PRESETS, build_data  # noqa: F401  (the task's data)


def diffusion_config(dataset: str = "fashion_mnist"):
    cfg = generative.image_config(dataset)
    cfg.model = dict(base_channels=32, channel_mults=(1, 2, 2), num_res_blocks=1,
                     attention_levels=(2,), heads=4, groups=8, dropout=0.0,
                     conditional=True, p_uncond=0.1, ema_decay=0.999)
    cfg.diffusion = dict(schedule="cosine", steps=1000)
    cfg.train.update(steps=10_000, log_every=100, eval_every=2000)
    cfg.checkpoint.every = 1000
    return cfg


class Diffusion(nnx.Module):
    """The noise predictor, the EMA of its weights, and the schedule it was trained with."""

    def __init__(self, unet: UNet, *, schedule: str, steps: int, num_classes: int,
                 p_uncond: float, ema_decay: float):
        self.averaged = Averaged(unet, ema_decay)
        self.schedule, self.steps = schedule, steps
        self.num_classes, self.p_uncond = num_classes, p_uncond  # num_classes 0: unconditional
        self.deterministic = False  # set by model.train() / model.eval(): update the EMA or not

    def alpha_bars(self) -> np.ndarray:
        return diffusion.alpha_bars(self.schedule, self.steps)


def build_model(cfg, spec, rngs: nnx.Rngs) -> Diffusion:
    m = cfg.model
    num_classes = spec.num_classes if m.conditional else 0
    unet = UNet(spec.in_channels, spec.in_channels, base_channels=m.base_channels,
                channel_mults=tuple(m.channel_mults), num_res_blocks=m.num_res_blocks,
                attention_levels=tuple(m.attention_levels), heads=m.heads, groups=m.groups,
                num_classes=num_classes, dropout=m.dropout, rngs=rngs)
    return Diffusion(unet, schedule=cfg.diffusion.schedule, steps=cfg.diffusion.steps,
                     num_classes=num_classes, p_uncond=m.p_uncond, ema_decay=m.ema_decay)


def loss_fn(model: Diffusion, batch, rng):
    """L_simple over the unmasked rows; in training also one EMA update."""
    drop_key, loss_key, dropout_key = jax.random.split(rng, 3)
    labels = batch["labels"]
    if model.num_classes:
        dropped = jax.random.bernoulli(drop_key, model.p_uncond, labels.shape)
        labels = jnp.where(dropped, model.num_classes, labels)
    net = model.averaged.net

    def eps_fn(x, t):
        return net(x, t, labels if model.num_classes else None, rngs=nnx.Rngs(dropout=dropout_key))

    per_example = diffusion.simple_loss(eps_fn, model.alpha_bars(), batch["images"], loss_key)
    mask = batch["mask"]
    loss = (per_example * mask).sum() / jnp.maximum(mask.sum(), 1.0)
    if not model.deterministic:
        model.averaged.update()
    return loss, {}


def noise_predictor(model: Diffusion, labels, guidance: float, use_ema: bool = True):
    """eps(x, t) of the (averaged) net: guided by `guidance` for labelled samples of a conditional
    model; the null label (unconditional samples) when `labels` is None."""
    net = model.averaged.averaged_net() if use_ema else model.averaged.net
    if not model.num_classes:
        return lambda x, t: net(x, t)
    if labels is None:
        return lambda x, t: net(x, t, jnp.full((len(x),), model.num_classes))
    return diffusion.guided(net, labels, model.num_classes, guidance)


def generate(model: Diffusion, shape, *, steps: int, method: str = "ddim", eta: float = 0.0,
             guidance: float = 3.0, conditional: bool = True, seed: int = 0,
             batch_size: int = 250, trajectory: bool = False):
    """(images [N, S, S, C] in [-1, 1], labels [N] or None, seconds of sampling after compiling)
    for `shape` = (N, S, S, C). Labels cycle 0, 1, 2, ... when conditional. Each batch is one
    jitted lax.scan over the steps; with `trajectory`, also every x_t of the first batch."""
    num = shape[0]
    conditional = conditional and bool(model.num_classes)
    labels_all = np.arange(num, dtype=np.int32) % model.num_classes if conditional else None
    graphdef, state = nnx.split(model)

    @functools.partial(jax.jit, static_argnames="n")
    def run(state, labels, key, n):
        m = nnx.merge(graphdef, state)
        eps_fn = noise_predictor(m, labels, guidance)
        return diffusion.sample(eps_fn, m.alpha_bars(), (n, *shape[1:]), key, steps=steps,
                                method=method, eta=eta, trajectory=trajectory)

    outputs, paths, seconds = [], None, 0.0
    for i, start in enumerate(range(0, num, batch_size)):
        n = min(batch_size, num - start)
        labels = None if labels_all is None else jnp.asarray(labels_all[start:start + n])
        key = jax.random.fold_in(jax.random.key(seed), i)
        compiled = run.lower(state, labels, key, n=n).compile()
        started = time.perf_counter()
        result = jax.block_until_ready(compiled(state, labels, key))
        seconds += time.perf_counter() - started
        if trajectory:
            result, path = result
            paths = path if paths is None else paths
        outputs.append(np.asarray(result))
    images = np.concatenate(outputs)
    return (images, labels_all, seconds) + ((np.asarray(paths),) if trajectory else ())


def sample_main(workdir, *, num_samples: int, steps: int, guidance: float, method: str,
                eta: float, seed: int, out=None):
    """The --mode=sample of the diffusion topic: a PNG grid of `num_samples` samples in the
    workdir; with guidance > 0 and a conditional model, one class per column."""
    model, _, spec = checkpoint.load_model(workdir, build_model)
    shape = (num_samples, spec.image_size, spec.image_size, spec.in_channels)
    images, _, seconds = generate(model, shape, steps=steps, method=method, eta=eta,
                                  guidance=guidance, conditional=guidance > 0, seed=seed)
    print(f"{num_samples} samples, {method} {steps} steps, eta {eta}, guidance {guidance}: "
          f"{seconds:.2f} s ({num_samples / seconds:.1f} samples/s after compiling)", flush=True)
    name = f"samples_{method}{steps}_eta{eta:g}_g{guidance:g}_seed{seed}.png"
    columns = spec.num_classes if model.num_classes and guidance > 0 else 8
    return generative.write_grid(images, out or f"{workdir}/{name}", columns=columns)


def _smoke(cfg):
    generative.smoke(base_channels=8, channel_mults=(1, 2), attention_levels=(1,), groups=4)(cfg)
    cfg.diffusion.steps = 50


def _cpu(cfg):
    """Fashion-MNIST on CPU cores: a 16-wide UNet (280,881 parameters) on the unpadded 28x28
    images, 6000 steps of 32 (about 3.5 epochs): 0.13 s per step on an idle 2-core EPYC (AVX-512),
    so about 15 minutes there (experiments/diffusion/README.md has the measured wall time)."""
    cfg.data.update(image_size=28, batch_size=32, eval_examples=500)
    cfg.model.base_channels = 16
    cfg.train.update(steps=6000, eval_every=1000, log_every=100)
    cfg.checkpoint.every = 500
    cfg.opt.update(lr=1e-3, min_lr=1e-4, warmup_steps=100)


def _cifar10(cfg):
    """Ho et al. (2020)'s CIFAR-10 setup, for an accelerator: 35,746,307 parameters (their 35.7M),
    128 channels, multipliers 1, 2, 2, 2, two residual blocks per level, attention at 16x16, dropout 0.1,
    linear schedule over T = 1000, Adam 2e-4 with 5000 warmup steps, batch 128, EMA 0.9999,
    800k steps; unconditional (guidance needs model.conditional=True)."""
    cfg.data.update(dataset="cifar10", image_size=32, batch_size=128)
    cfg.model.update(base_channels=128, channel_mults=(1, 2, 2, 2), num_res_blocks=2,
                     attention_levels=(1,), groups=32, dropout=0.1, conditional=False,
                     ema_decay=0.9999)
    cfg.diffusion.update(schedule="linear", steps=1000)
    cfg.train.update(steps=800_000, eval_every=10_000, log_every=1000)
    cfg.checkpoint.every = 10_000
    cfg.opt.update(lr=2e-4, min_lr=2e-4, warmup_steps=5000, grad_clip=1.0)


PRESETS = dict(DATA_PRESETS, smoke=_smoke, cpu=_cpu, cifar10=_cifar10)
