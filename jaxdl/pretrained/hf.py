"""Hugging Face checkpoints (`config.json` + `model.safetensors`) -> our GPT / BertEncoder.

Read with `safetensors.numpy` (no torch). Each family's config becomes our constructor's keyword
arguments and each tensor goes to our parameter path in our layout:

    torch nn.Linear  weight [out, in]     -> Dense kernel [in, out]   (transposed)
    GPT-2 Conv1D     weight [in, out]     -> Dense kernel              (as is)
    separate q, k, v (Llama, BERT)        -> one qkv kernel [in, (H + 2K) D], columns q | k | v
    Llama gate_proj, up_proj              -> one mlp.up kernel [in, 2 hidden], columns gate | up
    LayerNorm / RMSNorm weight, bias      -> scale, bias

Llama's q/k rows are already in the "half" rotary layout our `rotary` uses (GGUF files are not:
see `jaxdl.pretrained.gguf_file`).
"""

import json
import re
from pathlib import Path

import numpy as np

from jaxdl.errors import UserError

DROPPED = re.compile(r"(\.attn\.(masked_)?bias$|position_ids$|^pooler\.|rotary_emb)")


def model_kwargs(config: dict) -> tuple[str, dict]:
    """(family, keyword arguments of our model) from a Hugging Face config.json."""
    kind = config.get("model_type")
    if kind == "gpt2":
        act = config.get("activation_function", "gelu_new")
        return "gpt", dict(
            vocab_size=config["vocab_size"], block_size=config["n_positions"],
            layers=config["n_layer"], heads=config["n_head"], width=config["n_embd"],
            mlp_hidden=config.get("n_inner") or 4 * config["n_embd"], use_bias=True,
            mlp="gelu" if act == "gelu" else "gelu_tanh",
            norm_eps=config.get("layer_norm_epsilon", 1e-5), tied_head=True)
    if kind == "llama":
        width, heads = config["hidden_size"], config["num_attention_heads"]
        if config.get("head_dim", width // heads) != width // heads:
            raise UserError("head_dim != hidden_size / num_attention_heads is not supported.")
        rope = config.get("rope_parameters") or {}
        return "gpt", dict(
            vocab_size=config["vocab_size"], block_size=config["max_position_embeddings"],
            layers=config["num_hidden_layers"], heads=heads, width=width,
            kv_heads=config.get("num_key_value_heads") or heads,
            mlp_hidden=config["intermediate_size"], use_bias=False, positions="rotary",
            rope_base=float(rope.get("rope_theta", config.get("rope_theta", 10_000.0))),
            norm="rms", norm_eps=config.get("rms_norm_eps", 1e-6), mlp="swiglu",
            tied_head=bool(config.get("tie_word_embeddings", False)))
    if kind == "bert":
        return "bert", dict(
            vocab_size=config["vocab_size"], max_positions=config["max_position_embeddings"],
            layers=config["num_hidden_layers"], heads=config["num_attention_heads"],
            width=config["hidden_size"], mlp_hidden=config["intermediate_size"],
            type_vocab_size=config.get("type_vocab_size", 2),
            norm_eps=config.get("layer_norm_eps", 1e-12))
    raise UserError(f"model_type {kind!r} is not supported: gpt2, llama or bert.")


def _norm(prefix, tensors, ours):
    out = {(*ours, "scale"): tensors[prefix + ".weight"]}
    if prefix + ".bias" in tensors:
        out[(*ours, "bias")] = tensors[prefix + ".bias"]
    return out


def _dense(prefix, tensors, ours, *, transpose=True):
    w = tensors[prefix + ".weight"]
    out = {(*ours, "kernel"): w.T if transpose else w}
    if prefix + ".bias" in tensors:
        out[(*ours, "bias")] = tensors[prefix + ".bias"]
    return out


def _fused(prefixes, tensors, ours):
    """Several torch Linear layers side by side as one Dense: kernels' columns concatenated."""
    out = {(*ours, "kernel"): np.concatenate([tensors[p + ".weight"].T for p in prefixes], 1)}
    if prefixes[0] + ".bias" in tensors:
        out[(*ours, "bias")] = np.concatenate([tensors[p + ".bias"] for p in prefixes])
    return out


def gpt2_arrays(t: dict, layers: int) -> dict:
    t = {k.removeprefix("transformer."): v for k, v in t.items()}
    out = {("token_embedding",): t["wte.weight"], ("position_embedding",): t["wpe.weight"],
           **_norm("ln_f", t, ("ln_final",))}
    for i in range(layers):
        h, b = f"h.{i}", ("blocks", i)
        out |= _norm(h + ".ln_1", t, (*b, "ln_attn")) | _norm(h + ".ln_2", t, (*b, "ln_mlp"))
        for theirs, ours in (("attn.c_attn", "attn/qkv"), ("attn.c_proj", "attn/out"),
                             ("mlp.c_fc", "mlp/up"), ("mlp.c_proj", "mlp/down")):
            out |= _dense(f"{h}.{theirs}", t, (*b, *ours.split("/")), transpose=False)
    return out


def llama_arrays(t: dict, layers: int, tied_head: bool) -> dict:
    out = {("token_embedding",): t["model.embed_tokens.weight"],
           **_norm("model.norm", t, ("ln_final",))}
    if not tied_head:
        out |= _dense("lm_head", t, ("head",))
    for i in range(layers):
        h, b = f"model.layers.{i}", ("blocks", i)
        out |= _norm(h + ".input_layernorm", t, (*b, "ln_attn"))
        out |= _norm(h + ".post_attention_layernorm", t, (*b, "ln_mlp"))
        out |= _fused([f"{h}.self_attn.{p}_proj" for p in "qkv"], t, (*b, "attn", "qkv"))
        out |= _dense(h + ".self_attn.o_proj", t, (*b, "attn", "out"))
        out |= _fused([h + ".mlp.gate_proj", h + ".mlp.up_proj"], t, (*b, "mlp", "up"))
        out |= _dense(h + ".mlp.down_proj", t, (*b, "mlp", "down"))
    return out


def bert_arrays(t: dict, layers: int) -> dict:
    t = {k.removeprefix("bert.").replace("LayerNorm.gamma", "LayerNorm.weight")
         .replace("LayerNorm.beta", "LayerNorm.bias"): v for k, v in t.items()}
    e = "embeddings."
    out = {("token_embedding",): t[e + "word_embeddings.weight"],
           ("position_embedding",): t[e + "position_embeddings.weight"],
           ("token_type_embedding",): t[e + "token_type_embeddings.weight"],
           **_norm(e + "LayerNorm", t, ("ln_embed",))}
    for i in range(layers):
        h, b = f"encoder.layer.{i}", ("blocks", i)
        out |= _fused([f"{h}.attention.self.{p}" for p in ("query", "key", "value")], t,
                      (*b, "attn", "qkv"))
        out |= _dense(h + ".attention.output.dense", t, (*b, "attn", "out"))
        out |= _norm(h + ".attention.output.LayerNorm", t, (*b, "ln_attn"))
        out |= _dense(h + ".intermediate.dense", t, (*b, "mlp", "up"))
        out |= _dense(h + ".output.dense", t, (*b, "mlp", "down"))
        out |= _norm(h + ".output.LayerNorm", t, (*b, "ln_mlp"))
    return out


def read(folder) -> tuple[str, dict, dict]:
    """(family, model kwargs, {our path: float32 array}) from a save_pretrained folder."""
    from safetensors.numpy import load_file

    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text())
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        raise UserError(f"{folder}: no *.safetensors file (save with safe_serialization).")
    tensors = {}
    for f in files:
        tensors |= {k: v for k, v in load_file(f).items() if not DROPPED.search(k)}
    family, kwargs = model_kwargs(config)
    kind = config["model_type"]
    try:
        if kind == "gpt2":
            arrays = gpt2_arrays(tensors, kwargs["layers"])
        elif kind == "llama":
            arrays = llama_arrays(tensors, kwargs["layers"], kwargs["tied_head"])
        else:
            arrays = bert_arrays(tensors, kwargs["layers"])
    except KeyError as error:
        raise UserError(f"{folder}: tensor {error} missing for a {kind} model.") from None
    return family, kwargs, {k: np.asarray(v, np.float32) for k, v in arrays.items()}
