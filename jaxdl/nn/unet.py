"""A UNet for denoising diffusion (and, with other in/out channels, for segmentation).

    x [B, H, W, in] -> conv -> down levels (residual blocks, then a stride-2 conv)
                    -> middle (residual, self-attention, residual)
                    -> up levels (residual blocks fed the matching skip, then 2x upsampling)
                    -> GroupNorm, SiLU, conv -> [B, H, W, out]

Every residual block adds a projection of the conditioning vector: the sinusoidal embedding of
the diffusion time `t` (through a small MLP), plus a learned embedding of the class label when
`num_classes` > 0. Label `num_classes` is the extra "no label" class that classifier-free
guidance trains with and samples the unconditional branch from. Levels listed in
`attention_levels` (0 = full resolution) add self-attention over their pixels; the middle always
has it. H and W must be divisible by 2 ** (len(channel_mults) - 1).
"""

import math
from collections.abc import Sequence

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.nn.convblocks import conv
from jaxdl.nn.layers import Dense
from jaxdl.nn.norms import GroupNorm
from jaxdl.nn.transformer import SelfAttention

# A conv's default init here: the variance that keeps activations' scale (fan-in, uniform).
CONV_INIT = nnx.initializers.variance_scaling(1.0, "fan_in", "uniform")


def timestep_embedding(t_B: jax.Array, dim: int, max_period: float = 10_000.0) -> jax.Array:
    """[B] times (any real numbers) -> [B, dim]: cosines then sines of t at dim/2 frequencies
    spaced geometrically from 1 to 1/max_period, as transformer positions are encoded."""
    half = dim // 2
    freqs = jnp.exp(-math.log(max_period) * jnp.arange(half) / half)
    angles = t_B.astype(jnp.float32)[:, None] * freqs[None]
    return jnp.concatenate([jnp.cos(angles), jnp.sin(angles)], axis=-1)


class ResBlock(nnx.Module):
    """x + conv(SiLU(GN(conv(SiLU(GN(x))) + proj(cond)))), with a 1x1 conv on the skip when the
    channel count changes."""

    def __init__(self, c_in: int, c_out: int, cond_dim: int, *, groups: int, dropout: float,
                 rngs: nnx.Rngs):
        self.norm1 = GroupNorm(c_in, min(groups, c_in))
        self.conv1 = conv(c_in, c_out, 3, use_bias=True, kernel_init=CONV_INIT, rngs=rngs)
        self.cond = Dense(cond_dim, c_out, ("embed", "mlp"), rngs=rngs)
        self.norm2 = GroupNorm(c_out, min(groups, c_out))
        self.dropout = nnx.Dropout(dropout)
        # Zero init: each block starts as the identity, so a deep UNet trains from step one.
        self.conv2 = conv(c_out, c_out, 3, use_bias=True, rngs=rngs,
                          kernel_init=nnx.initializers.zeros_init())
        self.skip = (conv(c_in, c_out, 1, use_bias=True, kernel_init=CONV_INIT, rngs=rngs)
                     if c_in != c_out else None)

    def __call__(self, x_BHWC, cond_BD, rngs=None):
        h = self.conv1(jax.nn.silu(self.norm1(x_BHWC)))
        h = h + self.cond(jax.nn.silu(cond_BD))[:, None, None, :]
        h = self.conv2(self.dropout(jax.nn.silu(self.norm2(h)), rngs=rngs))
        return (x_BHWC if self.skip is None else self.skip(x_BHWC)) + h


class AttentionBlock(nnx.Module):
    """x + self-attention over the H*W pixels of GN(x) (no mask): every pixel sees all others."""

    def __init__(self, channels: int, heads: int, *, groups: int, rngs: nnx.Rngs):
        self.norm = GroupNorm(channels, min(groups, channels))
        self.attn = SelfAttention(channels, heads, dropout=0.0, std=None, out_std=None,
                                  use_bias=True, rngs=rngs)

    def __call__(self, x_BHWC):
        B, H, W, C = x_BHWC.shape
        y, _ = self.attn(self.norm(x_BHWC).reshape(B, H * W, C), causal=False)
        return x_BHWC + y.reshape(B, H, W, C)


class Level(nnx.Module):
    """The residual blocks (each optionally followed by attention) of one resolution."""

    def __init__(self, widths: Sequence[tuple[int, int]], cond_dim: int, attention: bool, *,
                 heads: int, groups: int, dropout: float, rngs: nnx.Rngs):
        self.blocks = nnx.List([ResBlock(a, b, cond_dim, groups=groups, dropout=dropout, rngs=rngs)
                                for a, b in widths])
        self.attns = nnx.List([AttentionBlock(b, heads, groups=groups, rngs=rngs)
                               for _, b in widths] if attention else [])


class UNet(nnx.Module):
    def __init__(self, in_channels: int, out_channels: int, *, base_channels: int = 32,
                 channel_mults: Sequence[int] = (1, 2, 2), num_res_blocks: int = 1,
                 attention_levels: Sequence[int] = (), heads: int = 4, groups: int = 8,
                 num_classes: int = 0, dropout: float = 0.0, rngs: nnx.Rngs):
        widths = [base_channels * m for m in channel_mults]
        self.time_dim, cond_dim = base_channels, 4 * base_channels
        self.time_mlp1 = Dense(self.time_dim, cond_dim, ("embed", "mlp"), rngs=rngs)
        self.time_mlp2 = Dense(cond_dim, cond_dim, ("mlp", "embed"), rngs=rngs)
        # One extra row: the "no label" class of classifier-free guidance.
        self.label_embed = (nnx.Param(jax.random.normal(rngs.params(), (num_classes + 1, cond_dim)))
                            if num_classes else None)
        self.stem = conv(in_channels, widths[0], 3, use_bias=True, kernel_init=CONV_INIT, rngs=rngs)
        common = dict(heads=heads, groups=groups, dropout=dropout, rngs=rngs)

        # Down path: the width after every block and after each downsampling is saved as a skip.
        skips, c = [widths[0]], widths[0]
        self.down, self.downsample = nnx.List(), nnx.List()
        for level, w in enumerate(widths):
            pairs = [(c if i == 0 else w, w) for i in range(num_res_blocks)]
            self.down.append(Level(pairs, cond_dim, level in attention_levels, **common))
            c = w
            skips += [w] * num_res_blocks
            if level < len(widths) - 1:
                self.downsample.append(conv(c, c, 3, 2, use_bias=True, kernel_init=CONV_INIT,
                                            rngs=rngs))
                skips.append(c)
        self.mid = Level([(c, c), (c, c)], cond_dim, False, **common)
        self.mid_attn = AttentionBlock(c, heads, groups=groups, rngs=rngs)

        # Up path: one block more per level than down, each consuming one skip (concatenated).
        self.up, self.upsample = nnx.List(), nnx.List()
        for level in reversed(range(len(widths))):
            w, pairs = widths[level], []
            for _ in range(num_res_blocks + 1):
                pairs.append((c + skips.pop(), w))
                c = w
            self.up.append(Level(pairs, cond_dim, level in attention_levels, **common))
            if level > 0:
                self.upsample.append(conv(c, c, 3, use_bias=True, kernel_init=CONV_INIT, rngs=rngs))
        self.out_norm = GroupNorm(c, min(groups, c))
        self.out_conv = conv(c, out_channels, 3, use_bias=True, rngs=rngs,
                             kernel_init=nnx.initializers.zeros_init())

    def condition(self, t_B, labels_B):
        cond = self.time_mlp2(jax.nn.silu(self.time_mlp1(timestep_embedding(t_B, self.time_dim))))
        if self.label_embed is not None:
            cond = cond + jnp.take(self.label_embed[...], labels_B, axis=0)
        return cond

    def __call__(self, x_BHWC, t_B, labels_B=None, rngs=None):
        cond = self.condition(t_B, labels_B)
        h = self.stem(x_BHWC)
        skips = [h]
        for i, level in enumerate(self.down):
            for j, block in enumerate(level.blocks):
                h = block(h, cond, rngs)
                if len(level.attns):
                    h = level.attns[j](h)
                skips.append(h)
            if i < len(self.downsample):
                h = self.downsample[i](h)
                skips.append(h)
        h = self.mid.blocks[0](h, cond, rngs)
        h = self.mid.blocks[1](self.mid_attn(h), cond, rngs)
        for i, level in enumerate(self.up):
            for j, block in enumerate(level.blocks):
                h = block(jnp.concatenate([h, skips.pop()], axis=-1), cond, rngs)
                if len(level.attns):
                    h = level.attns[j](h)
            if i < len(self.upsample):
                B, H, W, C = h.shape
                h = self.upsample[i](jax.image.resize(h, (B, 2 * H, 2 * W, C), "nearest"))
        return self.out_conv(jax.nn.silu(self.out_norm(h)))
