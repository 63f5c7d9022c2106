"""GPT: the decoder-only transformer language model, from nanoGPT to GPT-2 and Llama.

Token embeddings, pre-norm blocks (`jaxdl.nn.transformer.Block`), a final norm and an output head.
The defaults are GPT-2's layout as nanoGPT writes it; options turn the same model into

    GPT-2 (Hugging Face weights)  use_bias=True, mlp="gelu_tanh"
    Llama / SmolLM2               positions="rotary", norm="rms", mlp="swiglu", kv_heads < heads,
                                  use_bias=False, tied_head as the checkpoint has it

Every language model in jaxdl.nn offers the same interface: `model(idx_BT, rngs=None,
valid=None) -> logits_BTV` (rngs for dropout; `valid`, [B, T] booleans marking real rather than
padding positions, for models with batch statistics), and for sampling `init_cache(batch, length)`,
`decode(idx_BT, cache, pos) -> (logits_BTV, cache)` and `context_size` (None = unbounded).
GPT's `decode` also takes `start_B`, each row's count of left padding, so that rows of different
lengths decode in one batch as each would alone.
"""

import math

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.nn.layers import Dense, embedding, norm_layer, take_rows
from jaxdl.nn.transformer import Block


# model.remat -> what a block keeps for the backward pass (jax.checkpoint's policy).
REMAT_POLICIES = {
    "none": None,
    "block": jax.checkpoint_policies.nothing_saveable,
    "dots": jax.checkpoint_policies.dots_with_no_batch_dims_saveable,
}


def _call_block(block, x_BTC, rngs, pos, segments, positions, kv_valid, cache):
    return block(x_BTC, rngs=rngs, pos=pos, segments=segments, positions=positions,
                 kv_valid=kv_valid, cache=cache)


class GPT(nnx.Module):
    def __init__(self, *, vocab_size: int, block_size: int, layers: int, heads: int, width: int,
                 dropout: float, use_bias: bool = False, init: str = "gpt2", rngs: nnx.Rngs,
                 positions: str = "learned", rope_base: float = 10_000.0, kv_heads: int | None = None,
                 norm: str = "layer", norm_eps: float = 1e-5, mlp: str = "gelu",
                 mlp_hidden: int | None = None, tied_head: bool | None = None,
                 remat: str = "none", fused_attention: bool = False):
        """init="gpt2": N(0, 0.02) weights, residual outputs scaled by 1/sqrt(2 * layers), output
        head tied to the token embedding (GPT-2, nanoGPT). init="torch": PyTorch's module
        defaults and an untied head (makemore's transformer). `tied_head` overrides the init's
        choice; `positions` is "learned" (a table of block_size rows) or "rotary" (rope_base).
        `remat` (training): recompute each block's activations in the backward pass instead of
        keeping them, "block" all of them, "dots" all but the matmul outputs (REMAT_POLICIES)."""
        if init not in ("gpt2", "torch"):
            raise UserError(f"unknown GPT init {init!r}: gpt2 or torch")
        if positions not in ("learned", "rotary"):
            raise UserError(f"unknown GPT positions {positions!r}: learned or rotary")
        if remat not in REMAT_POLICIES:
            raise UserError(f"unknown remat {remat!r}: {', '.join(REMAT_POLICIES)}")
        self.remat = remat
        gpt2 = init == "gpt2"
        tied_head = gpt2 if tied_head is None else tied_head
        self.context_size = block_size
        self.heads, self.kv_heads = heads, kv_heads or heads
        embedding_std = 0.02 if gpt2 else 1.0
        self.token_embedding = embedding(vocab_size, width, ("vocab", "embed"), std=embedding_std,
                                         rngs=rngs)
        self.position_embedding = None if positions == "rotary" else embedding(
            block_size, width, (None, "embed"), std=embedding_std, rngs=rngs)
        self.dropout = nnx.Dropout(dropout)
        self.blocks = nnx.List([
            Block(width, heads, dropout=dropout, std=0.02 if gpt2 else None,
                  out_std=0.02 / math.sqrt(2 * layers) if gpt2 else None, use_bias=use_bias,
                  kv_heads=kv_heads, rope_base=rope_base if positions == "rotary" else None,
                  norm=norm, norm_eps=norm_eps, mlp=mlp, mlp_hidden=mlp_hidden,
                  fused_attention=fused_attention, rngs=rngs)
            for _ in range(layers)
        ])
        self.ln_final = norm_layer(norm, width, eps=norm_eps, use_bias=use_bias, rngs=rngs)
        self.head = None if tied_head else Dense(width, vocab_size, ("embed", "vocab"),
                                                 use_bias=False, rngs=rngs)

    def _embed(self, idx_BT, *, rngs, pos, positions):
        """The residual stream entering the first block: token (and position) embeddings."""
        x_BTC = take_rows(self.token_embedding, idx_BT)
        if self.position_embedding is not None:
            if positions is None:  # one sequence per row, from position `pos`
                T = idx_BT.shape[1]
                x_BTC = x_BTC + jax.lax.dynamic_slice_in_dim(self.position_embedding[...], pos, T)
            else:  # packed or padded rows: each token's position within its own sequence
                x_BTC = x_BTC + take_rows(self.position_embedding, positions)
        return self.dropout(x_BTC, rngs=rngs)

    def _forward(self, idx_BT, *, rngs, cache, pos, positions=None, segments=None, start_B=None):
        """The final-norm hidden states [B, T, C] and the new cache."""
        B, T = idx_BT.shape
        kv_valid = None
        if start_B is not None:  # left-padded rows: positions count from each row's first token
            slots_T = pos + jnp.arange(T)
            positions = jnp.maximum(slots_T[None, :] - start_B[:, None], 0)
            S = T if cache is None else cache[0]["k"].shape[1]
            kv_valid = jnp.arange(S)[None, :] >= start_B[:, None]
        x_BTC = self._embed(idx_BT, rngs=rngs, pos=pos, positions=positions)
        new_cache = []
        for i, block in enumerate(self.blocks):
            call = _call_block
            if self.remat != "none" and cache is None:
                call = nnx.remat(_call_block, policy=REMAT_POLICIES[self.remat],
                                 static_argnums=(3,))
            x_BTC, layer_cache = call(block, x_BTC, rngs, pos, segments, positions, kv_valid,
                                      None if cache is None else cache[i])
            new_cache.append(layer_cache)
        return self.ln_final(x_BTC), new_cache

    def logits(self, x_BTC):
        """The output head on final hidden states: [B, T, C] -> [B, T, V]."""
        x_NC = x_BTC.reshape(-1, x_BTC.shape[-1])
        logits_NV = self.head(x_NC) if self.head else x_NC @ self.token_embedding[...].T
        return logits_NV.reshape(*x_BTC.shape[:-1], -1)

    def features(self, idx_BT, *, rngs=None, positions=None, segments=None):
        """The final hidden states [B, T, C], before the head: what a classifier head reads
        (for instance at each row's last real token, `jaxdl.nn.gpt.last_real`)."""
        if idx_BT.shape[1] > self.context_size and positions is None:
            raise ValueError(f"sequence of {idx_BT.shape[1]} > block_size {self.context_size}")
        return self._forward(idx_BT, rngs=rngs, cache=None, pos=0, positions=positions,
                             segments=segments)[0]

    def trunk(self, idx_BT, stop: int):
        """The residual stream entering block `stop` (evaluation mode, one sequence per row).
        With `features_from` it splits `features` at a frozen cut: the part below is the same
        every epoch, so fine-tuning can compute it once (`jaxdl.tasks.frozen_cache`)."""
        x_BTC = self._embed(idx_BT, rngs=None, pos=0, positions=None)
        for block in list(self.blocks)[:stop]:
            x_BTC, _ = block(x_BTC)
        return x_BTC

    def features_from(self, x_BTC, start: int, *, rngs=None):
        """`features` computed from the residual stream entering block `start`."""
        for block in list(self.blocks)[start:]:
            x_BTC, _ = block(x_BTC, rngs=rngs)
        return self.ln_final(x_BTC)

    def __call__(self, idx_BT, *, rngs=None, valid=None, positions=None, segments=None):
        """`positions` and `segments` ([B, T] ints) describe packed rows, several sequences end to
        end (see `jaxdl.data.name_rows.pack`): each token gets the position embedding of its place in
        its own sequence and attends only within it, so a packed batch computes what the padded
        one does, on fewer positions."""
        return self.logits(self.features(idx_BT, rngs=rngs, positions=positions,
                                         segments=segments))

    def init_cache(self, batch_size: int, length: int, dtype=None):
        """Zero keys and values per block; `dtype` (default: the weights') is what they are
        stored in, e.g. bfloat16 to halve the cache (the attention computes in the query's)."""
        width = self.token_embedding.shape[1]
        shape = (batch_size, length, self.kv_heads, width // self.heads)
        zeros = jnp.zeros(shape, dtype or self.token_embedding.dtype)
        return [{"k": zeros, "v": zeros} for _ in self.blocks]

    def decode(self, idx_BT, cache, pos, start_B=None):
        x_BTC, cache = self._forward(idx_BT, rngs=None, cache=cache, pos=pos, start_B=start_B)
        return self.logits(x_BTC), cache


def last_real(x_BTC, valid_BT):
    """Each row's vector at its last real position ([B, C]), for right-padded rows: where a
    causal model has read the whole sequence."""
    last_B = jnp.sum(valid_BT, axis=1) - 1
    return jnp.take_along_axis(x_BTC, last_B[:, None, None], axis=1)[:, 0]
