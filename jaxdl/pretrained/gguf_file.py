"""GGUF files (llama.cpp's format) of Llama-architecture models -> our GPT's arguments and arrays.

Tensors are dequantized with the `gguf` package (`gguf.quants.dequantize`: Q4_1, Q8_0, F16, F32,
...). GGUF keeps torch's [out, in] layout, so Linear weights are transposed as in
`jaxdl.pretrained.hf`. One difference: llama.cpp's converter permutes the rows of q and k within
each head, so that the rotary pairs are adjacent channels (2i, 2i + 1); our `rotary` (like
Hugging Face) pairs channel i with i + D/2. `unpermute` puts the rows back.
"""

from pathlib import Path

import numpy as np

from jaxdl.errors import UserError


def _gguf():
    try:
        import gguf
    except ImportError:
        raise UserError("Reading GGUF files needs the gguf package: pip install gguf") from None
    return gguf


def unpermute(w_OI: np.ndarray, heads: int) -> np.ndarray:
    """Inverse of llama.cpp's q/k permutation: within each head, rows (i, half) -> (half, i)."""
    out, rest = w_OI.shape[0], w_OI.shape[1:]
    return w_OI.reshape(heads, out // heads // 2, 2, *rest).swapaxes(1, 2).reshape(w_OI.shape)


def permute(w_OI: np.ndarray, heads: int) -> np.ndarray:
    """llama.cpp's permutation (what `unpermute` undoes): for tests and for writing GGUF files."""
    out, rest = w_OI.shape[0], w_OI.shape[1:]
    return w_OI.reshape(heads, 2, out // heads // 2, *rest).swapaxes(1, 2).reshape(w_OI.shape)


def metadata(reader) -> dict:
    """Every scalar or string field of the file (token lists left out), by key."""
    out = {}
    for key, field in reader.fields.items():
        if key.startswith("tokenizer.ggml.") and key.rsplit(".", 1)[-1] in (
                "tokens", "merges", "token_type", "scores"):
            continue
        out[key] = field.contents()
    return out


def model_kwargs(meta: dict) -> dict:
    if meta.get("general.architecture") != "llama":
        raise UserError(f"GGUF architecture {meta.get('general.architecture')!r}: only llama.")
    p = "llama."
    width, heads = meta[p + "embedding_length"], meta[p + "attention.head_count"]
    return dict(vocab_size=meta.get(p + "vocab_size"), block_size=meta[p + "context_length"],
                layers=meta[p + "block_count"], heads=heads, width=width,
                kv_heads=meta.get(p + "attention.head_count_kv", heads),
                mlp_hidden=meta[p + "feed_forward_length"], use_bias=False, positions="rotary",
                rope_base=float(meta.get(p + "rope.freq_base", 10_000.0)), norm="rms",
                norm_eps=float(meta[p + "attention.layer_norm_rms_epsilon"]), mlp="swiglu")


def read(path) -> tuple[dict, dict, object]:
    """(model kwargs, {our path: float32 array}, the gguf reader for the tokenizer fields)."""
    gguf = _gguf()
    reader = gguf.GGUFReader(Path(path))
    kwargs = model_kwargs(metadata(reader))
    t = {tensor.name: np.asarray(gguf.quants.dequantize(tensor.data, tensor.tensor_type),
                                 np.float32) for tensor in reader.tensors}
    kwargs["vocab_size"] = kwargs["vocab_size"] or t["token_embd.weight"].shape[0]
    kwargs["tied_head"] = "output.weight" not in t
    heads, kv_heads = kwargs["heads"], kwargs["kv_heads"]
    out = {("token_embedding",): t["token_embd.weight"], ("ln_final", "scale"): t["output_norm.weight"]}
    if not kwargs["tied_head"]:
        out[("head", "kernel")] = t["output.weight"].T
    for i in range(kwargs["layers"]):
        g, b = f"blk.{i}.", ("blocks", i)
        q = unpermute(t[g + "attn_q.weight"], heads)
        k = unpermute(t[g + "attn_k.weight"], kv_heads)
        out |= {
            (*b, "ln_attn", "scale"): t[g + "attn_norm.weight"],
            (*b, "ln_mlp", "scale"): t[g + "ffn_norm.weight"],
            (*b, "attn", "qkv", "kernel"): np.concatenate([q, k, t[g + "attn_v.weight"]]).T,
            (*b, "attn", "out", "kernel"): t[g + "attn_output.weight"].T,
            (*b, "mlp", "up", "kernel"): np.concatenate([t[g + "ffn_gate.weight"],
                                                         t[g + "ffn_up.weight"]]).T,
            (*b, "mlp", "down", "kernel"): t[g + "ffn_down.weight"].T,
        }
    return kwargs, {k: np.ascontiguousarray(v) for k, v in out.items()}, reader


def tokenizer_fields(reader) -> dict:
    """The tokenizer's vocabulary, merges, token types, special ids and chat template."""
    f = reader.fields

    def strings(key):
        return list(f[key].contents()) if key in f else []

    def value(key, default=None):
        return f[key].contents() if key in f else default

    return dict(model=value("tokenizer.ggml.model"), pre=value("tokenizer.ggml.pre"),
                tokens=strings("tokenizer.ggml.tokens"), merges=strings("tokenizer.ggml.merges"),
                token_type=strings("tokenizer.ggml.token_type"),
                bos=value("tokenizer.ggml.bos_token_id"), eos=value("tokenizer.ggml.eos_token_id"),
                pad=value("tokenizer.ggml.padding_token_id"),
                chat_template=value("tokenizer.chat_template"))
