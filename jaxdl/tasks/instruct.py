"""Instruction fine-tuning: a pretrained causal language model learns to answer Alpaca-format
prompts (instruction-data.json, 1,100 entries).

Each example is prompt + response + end-of-text, shifted by one for next-token prediction. The
loss counts a position only where `mask` is 1: never at padding (rows are padded per batch), and,
with `data.mask_prompt`, not on the instruction and input either, only on the response the model
must learn to write. The loop's evaluation weighs each batch by that mask's sum, so `val/loss` is
the exact mean over the split's counted tokens.

Scoring without an outside judge (`score`): the held-out loss, and a contains-match rule on the
test entries whose answer is short (at most `SHORT_WORDS` words): correct when the normalised
reference answer occurs in the normalised greedy response; and the generated questions of
`jaxdl.data.checkable_tasks` (arithmetic, units, reversal, plurals), checked by a program.
"""


import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl import checkpoint
from jaxdl.data import Data, checkable_tasks, finetune_text
from jaxdl.errors import UserError
from jaxdl.nn import freezing, lora
from jaxdl.pretrained.textgen import complete
from jaxdl.tasks import lm_finetune
from jaxdl.tasks.lm_finetune import build_optimizer

__all__ = ["build_data", "build_model", "loss_fn", "build_optimizer", "generate", "score"]
SHORT_WORDS = 3
HELD_OUT_SHOWN = 5  # test entries whose responses score() returns for quoting
CONFIG_RULES = {**lm_finetune.CONFIG_RULES,
    "data.mask_prompt": lm_finetune.FLAG,
}


def build_model(cfg, spec, rngs: nnx.Rngs) -> nnx.Module:
    family, model = lm_finetune.build_backbone(cfg, rngs)
    if family != "gpt":
        raise UserError(f"model.base={cfg.model.base!r} is an encoder: instruct needs a causal LM.")
    lm_finetune.add_lora(cfg, model, rngs)
    model.trainable = lm_finetune.trainable_pattern(model, cfg)  # static: read by loss_fn
    return model


def example(cfg, entry: dict) -> tuple[list[int], list[int]]:
    """(ids, loss weights of each position's next-token target)."""
    tok = lm_finetune.tokenizer(cfg)
    prompt = tok.encode(finetune_text.alpaca_prompt(entry))
    response = tok.encode(entry["output"]) + [tok.eos]
    ids = (prompt + response)[:cfg.data.max_length or None]
    counted = [0.0 if cfg.data.mask_prompt and i < len(prompt) - 1 else 1.0
               for i in range(len(ids) - 1)]
    return ids, counted


def collate(pad_id: int, multiple: int):
    def batch(examples) -> dict:
        ids, _ = finetune_text.pad_rows([ids for ids, _ in examples], pad_id, multiple)
        mask = np.zeros((len(examples), ids.shape[1] - 1), np.float32)
        for row, (_, counted) in enumerate(examples):
            mask[row, :len(counted)] = counted
        return {"inputs": ids[:, :-1], "targets": ids[:, 1:], "mask": mask}
    return batch


def build_data(cfg) -> Data:
    splits = finetune_text.instruction_splits(cfg.data.split_seed)
    tok = lm_finetune.tokenizer(cfg)
    pad = tok.pad if tok.pad is not None else tok.eos
    examples = {name: [example(cfg, e) for e in entries] for name, entries in splits.items()}
    make = collate(pad, cfg.data.pad_multiple)
    filler = ([pad, pad], [0.0])
    evaluated = {name: finetune_text.eval_batches(examples[name], cfg.data.eval_batch_size, make,
                                                  filler) for name in ("val", "test")}
    longest = max(len(ids) for rows in examples.values() for ids, _ in rows)
    lm_finetune.check_length(cfg, longest)
    return Data(
        train=finetune_text.train_batches(examples["train"], cfg.data.batch_size, cfg.seed, make),
        eval={"val": lambda: evaluated["val"]},
        final_eval={"test": lambda: evaluated["test"]},
        unit="examples", units_per_batch=cfg.data.batch_size,
        description=(f"instruction-data.json, {len(splits['train'])} train / "
                     f"{len(splits['val'])} val / {len(splits['test'])} test; up to {longest} "
                     f"tokens; loss on {'responses' if cfg.data.mask_prompt else 'every token'}"),
        spec=dict(longest=longest))


def loss_fn(model, batch, rng):
    freezing.stop_frozen_gradients(model, model.trainable)
    logits_BTV = model(batch["inputs"], rngs=nnx.Rngs(dropout=rng))
    log_p_BTV = jax.nn.log_softmax(logits_BTV.astype(jnp.float32))
    nll_BT = -jnp.take_along_axis(log_p_BTV, batch["targets"][..., None], axis=-1)[..., 0]
    mask_BT = batch["mask"]
    return (nll_BT * mask_BT).sum() / jnp.maximum(mask_BT.sum(), 1.0), {}


def load(workdir, *, merge: bool = False, trained: bool = True):
    """(model, cfg, tokenizer) of a workdir: its latest checkpoint, or with `trained=False` the
    model its config starts from (the base model, fresh adapters: the "before" of a comparison)."""
    if trained:
        model, cfg, _ = checkpoint.load_model(workdir, build_model)
    else:
        cfg, spec = checkpoint.read_run(workdir)
        model = build_model(cfg, spec, nnx.Rngs(cfg.seed))
    if merge:
        lora.merge(model)
    model.eval()
    return model, cfg, lm_finetune.tokenizer(cfg)


def generate(workdir, prompts: list[str], *, max_new_tokens: int = 64, merge: bool = False,
             trained: bool = True) -> list[str]:
    """Greedy answers to instructions (each wrapped in the Alpaca prompt)."""
    model, _, tok = load(workdir, merge=merge, trained=trained)
    return complete(model, tok, [finetune_text.alpaca_prompt({"instruction": p}) for p in prompts],
                    max_new_tokens=max_new_tokens)


def contains_match(reference: str, response: str) -> bool:
    return checkable_tasks.normalise(reference) in checkable_tasks.normalise(response)


def score(workdir, *, trained: bool = True, max_new_tokens: int = 32, limit: int = 0) -> dict:
    """Held-out (test) loss, contains-match accuracy on the short-answer test entries, the
    generated task set, and the responses to the first HELD_OUT_SHOWN test entries (to quote)."""
    model, cfg, tok = load(workdir, trained=trained)
    test = finetune_text.instruction_splits(cfg.data.split_seed)["test"]
    pad = tok.pad if tok.pad is not None else tok.eos
    batches = finetune_text.eval_batches([example(cfg, e) for e in test], cfg.data.eval_batch_size,
                                         collate(pad, cfg.data.pad_multiple), ([pad, pad], [0.0]))
    step = nnx.jit(lambda m, b: loss_fn(m, b, jax.random.key(0))[0])
    total = sum(float(step(model, b)) * float(b["mask"].sum()) for b in batches)
    loss = total / sum(float(b["mask"].sum()) for b in batches)
    short = [e for e in test if len(e["output"].split()) <= SHORT_WORDS][:limit or None]
    responses = complete(model, tok, [finetune_text.alpaca_prompt(e) for e in short],
                         max_new_tokens=max_new_tokens)
    hits = [contains_match(e["output"], r) for e, r in zip(short, responses)]
    shown = test[:HELD_OUT_SHOWN]
    shown_responses = complete(model, tok, [finetune_text.alpaca_prompt(e) for e in shown],
                               max_new_tokens=2 * max_new_tokens)
    tasks = checkable_tasks.tasks(seed=0, per_kind=10)
    answers = complete(model, tok, [finetune_text.alpaca_prompt(t) for t in tasks],
                       max_new_tokens=max_new_tokens)
    right = [checkable_tasks.is_right(t["accepted"], a) for t, a in zip(tasks, answers)]
    by_kind = {kind: float(np.mean([r for t, r in zip(tasks, right) if t["kind"] == kind]))
               for kind in checkable_tasks.KINDS}
    return dict(test_loss=loss, short_answers=len(short), contains_match=float(np.mean(hits)),
                checkable_tasks=float(np.mean(right)), checkable_by_kind=by_kind,
                examples=[(e["instruction"], e["output"], r) for e, r in zip(short, responses)],
                task_examples=[(t["instruction"], t["output"], a) for t, a in zip(tasks, answers)],
                held_out=[(e["instruction"] + (f" [{e['input']}]" if e.get("input") else ""),
                           e["output"], r) for e, r in zip(shown, shown_responses)])
