"""ViT: the Vision Transformer (Dosovitskiy et al., 2020) for small images.

An image is cut into non-overlapping p x p patches; each flattened patch is one token. A Dense
layer embeds the tokens (the same map as a p x p convolution with stride p), a learned class token
is put in front, learned position embeddings are added, and the sequence goes through the
pre-LayerNorm blocks of `jaxdl.nn.transformer` without a causal mask. The class token's output,
after a final LayerNorm, is classified by a Dense head.

Shapes: B batch, H x W image, C channels, p patch side, N = (H / p) (W / p) patches,
T = N + 1 tokens, E width, K classes.
"""

import math

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.nn.layers import Dense, layer_norm, param
from jaxdl.nn.transformer import Block


def patches(x_BHWC: jax.Array, patch_size: int) -> jax.Array:
    """[B, H, W, C] -> [B, N, p*p*C]: patches in row-major order, each flattened as
    (row, col, channel)."""
    B, H, W, C = x_BHWC.shape
    p = patch_size
    x = x_BHWC.reshape(B, H // p, p, W // p, p, C).transpose(0, 1, 3, 2, 4, 5)
    return x.reshape(B, (H // p) * (W // p), p * p * C)


class ViT(nnx.Module):
    def __init__(self, *, num_classes: int, in_channels: int, rngs: nnx.Rngs, image_size: int,
                 patch_size: int, width: int, layers: int, heads: int, mlp_ratio: int = 4,
                 dropout: float = 0.0):
        """Square images of side `image_size`; `patch_size` must divide it. PyTorch's default
        init for the matmuls (what the digits config was tuned with); class token and position
        embeddings N(0, 0.02), as GPT's embeddings."""
        if image_size % patch_size:
            raise UserError(f"patch_size {patch_size} does not divide image_size {image_size}")
        self.image_size, self.patch_size = image_size, patch_size
        self.num_patches = (image_size // patch_size) ** 2
        self.patch_embedding = Dense(patch_size * patch_size * in_channels, width,
                                     (None, "embed"), rngs=rngs)
        self.class_token = param(rngs, nnx.initializers.normal(0.02), (width,), ("embed",))
        self.position_embedding = param(rngs, nnx.initializers.normal(0.02),
                                        (self.num_patches + 1, width), (None, "embed"))
        self.dropout = nnx.Dropout(dropout)
        self.blocks = nnx.List([
            Block(width, heads, dropout=dropout, std=None, out_std=None, use_bias=True,
                  mlp_ratio=mlp_ratio, rngs=rngs)
            for _ in range(layers)
        ])
        self.ln_final = layer_norm(width, use_bias=True, rngs=rngs)
        self.head = Dense(width, num_classes, ("embed", None), rngs=rngs)

    def embed(self, x_BHWC: jax.Array, *, rngs=None) -> jax.Array:
        """Image -> the transformer's input tokens [B, T, E], class token first."""
        if x_BHWC.shape[1:3] != (self.image_size, self.image_size):
            raise ValueError(f"images of {x_BHWC.shape[1:3]} pixels; the model was built for "
                             f"{self.image_size} x {self.image_size}")
        tokens_BNE = self.patch_embedding(patches(x_BHWC, self.patch_size))
        B, _, E = tokens_BNE.shape
        class_B1E = jnp.broadcast_to(self.class_token[...], (B, 1, E))
        x_BTE = jnp.concatenate([class_B1E, tokens_BNE], axis=1) + self.position_embedding[...]
        return self.dropout(x_BTE, rngs=rngs)

    def __call__(self, x_BHWC: jax.Array, rngs=None) -> jax.Array:
        x_BTE = self.embed(x_BHWC, rngs=rngs)
        for block in self.blocks:
            x_BTE, _ = block(x_BTE, causal=False, rngs=rngs)
        return self.head(self.ln_final(x_BTE[:, 0]))

    def attention_maps(self, x_BHWC: jax.Array) -> list[jax.Array]:
        """Each block's attention probabilities [B, heads, T, T] (eval mode, no dropout).

        Recomputed from the block's own LayerNorm and q/k projection, so the shared Block keeps
        its interface; tests/nn/test_vit_model.py checks them against a float64 NumPy forward pass.
        """
        maps = []
        x_BTE = self.embed(x_BHWC)
        for block in self.blocks:
            maps.append(attention_probabilities(block, x_BTE))
            x_BTE, _ = block(x_BTE, causal=False)
        return maps


def attention_probabilities(block: Block, x_BTE: jax.Array) -> jax.Array:
    """softmax(q k^T / sqrt(D)) of `block`'s self-attention on the residual stream x:
    [B, H, T, T]."""
    B, T, E = x_BTE.shape
    H = block.attn.heads
    q_BTE, k_BTE, _ = jnp.split(block.attn.qkv(block.ln_attn(x_BTE)), 3, axis=-1)
    q_BTHD, k_BTHD = (t.reshape(B, T, H, E // H) for t in (q_BTE, k_BTE))
    scores_BHTT = jnp.einsum("bthd,bshd->bhts", q_BTHD, k_BTHD) / math.sqrt(E // H)
    return jax.nn.softmax(scores_BHTT, axis=-1)
