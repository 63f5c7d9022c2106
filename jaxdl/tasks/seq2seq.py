"""Encoder-decoder models on date normalization: "the 3rd of march, 1998" -> "1998-03-03".

The task (build_data, build_model, loss_fn), its config builder and presets, and the decoding
of a trained workdir (greedy and beam search on the test split, timed). Data:
`jaxdl.data.dates`; models: `jaxdl.nn.seq2seq` (transformer) and `jaxdl.nn.seq2seq_rnn` (GRU with
additive attention); decoding: `jaxdl.decode`. Configs in experiments/seq2seq/.

Training is teacher forcing: the decoder reads BOS + the true date and predicts the date + EOS,
every position at once. The loop's `exact_match` (every argmax of the teacher-forced logits
right) equals greedy decoding's exact-sequence accuracy: if every step's argmax after the true
prefix is right, greedy decoding follows the true prefix all the way, and conversely.
"""

import time

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl import decode, losses
from jaxdl import config as config_lib
from jaxdl.data import Data, dates
from jaxdl.data.arrays import shuffled_batches, split_batches
from jaxdl.errors import UserError
from jaxdl.nn.seq2seq import EncoderDecoder
from jaxdl.nn.seq2seq_rnn import GRUAttention


def date_config():
    cfg = config_lib.base_config()
    cfg.data.update(batch_size=128, eval_batch_size=400, split_seed=0, val_days=2000,
                    test_days=2000, per_day=2,
                    train_days=0)  # 0 = every day not in val or test
    cfg.model = dict(name="transformer", layers=2, heads=4, width=64, dropout=0.0,  # transformer
                     embed=32, hidden=128, attention=64)  # gru
    cfg.train.update(steps=3000, log_every=100, eval_every=500)
    cfg.checkpoint.every = 1000
    cfg.opt.update(lr=2e-3, min_lr=2e-4, warmup_steps=100, weight_decay=0.01)
    return cfg


def _gru(cfg):
    cfg.model.name = "gru"


PRESETS = {
    "gru": _gru,
    "smoke": config_lib.smoke(20, data=dict(batch_size=16, eval_batch_size=104, val_days=100,
                                            test_days=100, per_day=1, train_days=1000),
                              model=dict(layers=1, width=32, heads=2, hidden=32, attention=16)),
}


def build_data(cfg) -> Data:
    d = cfg.data
    days = dates.split_days(d.split_seed, d.val_days, d.test_days)
    train = dates.examples(days["train"][:d.train_days or None], d.per_day,
                           seed=d.split_seed + 1)
    held_out = {name: dates.examples(days[name], 1, seed=d.split_seed + 2 + i)
                for i, name in enumerate(("val", "test"))}
    process = dict(process_index=jax.process_index(), process_count=jax.process_count())
    stream = shuffled_batches(train, batch_size=d.batch_size, seed=cfg.seed, **process)

    def split(name):
        return lambda: split_batches(held_out[name], d.eval_batch_size, **process)

    sizes = " / ".join(f"{len(part['source']):,} {name}"
                       for name, part in (("train", train), *held_out.items()))
    return Data(
        train=iter(stream.to_iter_dataset()),
        eval={"val": split("val")},
        final_eval={"test": split("test")},
        unit="examples",
        units_per_batch=d.batch_size,
        description=(f"date normalization, {len(dates.FORMATS)} spellings x 3 cases: {sizes} "
                     f"examples from disjoint days (split seed {d.split_seed})"),
        spec=dict(vocab=dates.VOCAB, vocab_size=len(dates.VOCAB), source_len=dates.SOURCE_LEN,
                  target_len=dates.TARGET_LEN),
    )


def build_model(cfg, spec, rngs: nnx.Rngs) -> nnx.Module:
    m = cfg.model
    if m.name == "transformer":
        return EncoderDecoder(vocab_size=spec.vocab_size, source_len=spec.source_len,
                              target_len=spec.target_len, layers=m.layers, heads=m.heads,
                              width=m.width, dropout=m.dropout, pad_id=dates.PAD, rngs=rngs)
    if m.name == "gru":
        return GRUAttention(vocab_size=spec.vocab_size, embed=m.embed, hidden=m.hidden,
                            attention=m.attention, pad_id=dates.PAD, rngs=rngs)
    raise UserError(f"Unknown model.name {m.name!r}: choose transformer or gru.")


def loss_fn(model, batch, rng):
    """Cross-entropy of every target token (teacher forcing); token and exact-sequence accuracy."""
    logits_BTV = model(batch["source"], batch["target_in"], rngs=nnx.Rngs(dropout=rng))
    mask_B = batch["mask"]
    loss = losses.cross_entropy(logits_BTV, batch["target"],
                                jnp.broadcast_to(mask_B[:, None], batch["target"].shape))
    correct_BT = (logits_BTV.argmax(-1) == batch["target"]).astype(jnp.float32)
    rows = jnp.maximum(mask_B.sum(), 1.0)
    return loss, {"token_accuracy": (correct_BT.mean(1) * mask_B).sum() / rows,
                  "exact_match": (correct_BT.min(1) * mask_B).sum() / rows}


def decode_test(workdir, *, beam_widths=(1, 4), split="test", batch_size=400) -> dict:
    """Exact-sequence accuracy and speed of greedy and beam search on a split of the workdir's
    data, decoded from the latest checkpoint: {"greedy": {...}, "beam4": {...}}."""
    from jaxdl import checkpoint  # not at the top: config files import this module

    model, cfg, _ = checkpoint.load_model(workdir, build_model)
    model.eval()
    d = cfg.data
    days = dates.split_days(d.split_seed, d.val_days, d.test_days)
    index = {"val": 0, "test": 1}[split]
    arrays = dates.examples(days[split], 1, seed=d.split_seed + 2 + index)
    options = dict(max_len=dates.TARGET_LEN, bos=dates.BOS, eos=dates.EOS, pad=dates.PAD)
    methods = {"greedy": lambda src: decode.greedy(model, src, **options)}
    for width in beam_widths:  # the best beam of each source
        methods[f"beam{width}"] = (lambda src, width=width: decode.beam_search(
            model, src, width=width, **options)[0][:, 0])
    batches = [jnp.asarray(batch["source"]) for batch in split_batches(arrays, batch_size)]
    results = {}
    for name, run in methods.items():
        run(batches[0]).block_until_ready()  # compile: not timed
        start = time.perf_counter()
        outputs = [np.asarray(run(source)) for source in batches]
        seconds = time.perf_counter() - start
        predicted = np.concatenate(outputs)[:len(arrays["target"])]
        results[name] = {"exact_match": float((predicted == arrays["target"]).all(1).mean()),
                         "examples": len(predicted),
                         "examples_per_s": len(predicted) / seconds}
    return results
