"""makemore on names: the character-level language-model ladder.

  python -m jaxdl.experiments.makemore --config=experiments/makemore/names.py:MODEL --workdir=DIR
  python -m jaxdl.experiments.makemore --mode=sample --workdir=DIR --num_samples=20

MODEL is one of bigram, mlp, mlp3, mlp8, wavenet, cnn, rnn, gru, lstm, transformer. Add `smoke` for a
run of seconds, `long` for 20k steps with a decaying lr, `lectures` for the lectures' 80/10/10
split (makemore's holds out 1000 names, logged as val), and
`baby_names` to train on the embedded names corpus (pip install 'jaxdl[names]').
Defaults are makemore's: batch 32, AdamW lr 5e-4, weight decay 0.01, betas (0.9, 0.99), a constant
learning rate, n_embd 64, n_embd2 64, 4 layers, 4 heads. Results: experiments/makemore/README.md.
"""

from jaxdl import config as config_lib


def get_config(arg: str | None = None):
    cfg = config_lib.base_config()
    cfg.seed = 3407  # makemore's
    cfg.data.update(corpus="names", split="makemore", split_seed=3407, batch_size=32)
    # transformer only: pack each batch's names end to end into pack_rows rows of pack_length
    # positions (0 = one name per padded row). Same predictions, fewer positions computed.
    cfg.data.update(pack_rows=0, pack_length=32)
    cfg.data.block_size = 0  # positions per row; 0 = the longest name + 1 (the end token)
    cfg.model = dict(
        name="transformer",
        embed=64,  # makemore's n_embd
        hidden=64,  # makemore's n_embd2
        context=-1,  # mlp: characters it sees; -1 = the whole block (makemore's MLP)
        batch_norm=False,  # mlp
        blank_token=False,  # mlp: read an extra <BLANK> token before the start (makemore's MLP)
        levels=3,  # wavenet: 2**levels characters of context
        layers=4,
        heads=4,
        dropout=0.0,
    )
    # 10 steps per jitted call: these models are small enough that the host's per-call overhead
    # shows (docs/performance.md, makemore). Same losses.
    cfg.train.update(steps=2000, log_every=100, eval_every=500, steps_per_call=10)
    cfg.checkpoint.every = 1000
    # makemore trains at a constant learning rate, without clipping.
    cfg.opt.update(lr=5e-4, min_lr=5e-4, warmup_steps=0, b1=0.9, b2=0.99, weight_decay=0.01,
                   grad_clip=0.0)
    return config_lib.apply_presets(cfg, arg, PRESETS)


def model(name, **fields):
    def preset(cfg):
        cfg.model.name = name
        cfg.model.update(fields)

    return preset


def transformer(cfg):
    """makemore's transformer. Each batch's 32 names are packed end to end into 14 rows of 24
    positions (336 computed instead of 32 x 16 = 512; the most 300,000 random batches needed was
    13 rows: tests/benchmarks/packing.py --length=24): the same predictions and losses, faster
    (README, Performance). Short rows keep the attention small: each row attends over 24
    positions, not 48."""
    cfg.model.name = "transformer"
    cfg.data.update(pack_rows=14, pack_length=24)


smoke = config_lib.smoke(30, warmup_steps=0)


def long(cfg):
    """The longer runs of the results table: 20k steps, a higher peak lr, a cosine decay, and
    more weight decay (at 0.01 the WaveNet and the transformer overfit by 20k steps)."""
    cfg.train.update(steps=20000, log_every=1000, eval_every=2000)
    cfg.checkpoint.every = 5000
    cfg.opt.update(lr=2e-3, min_lr=2e-5, warmup_steps=200, weight_decay=0.1)


def lectures(cfg):
    cfg.data.update(split="lectures", split_seed=42)


def baby_names(cfg):
    cfg.data.corpus = "baby_names"


PRESETS = dict(
    bigram=model("bigram"),
    mlp=model("mlp", blank_token=True),  # makemore's MLP: the whole block as context
    mlp3=model("mlp", context=3, embed=10, hidden=200, batch_norm=True),  # lectures, part 3-4
    mlp8=model("mlp", context=8, embed=10, hidden=200, batch_norm=True),
    wavenet=model("wavenet", levels=3, embed=24, hidden=128),  # lectures, part 5 (76k params)
    cnn=model("cnn", levels=3, embed=24, hidden=128),  # the same, as a dilated convolution
    rnn=model("rnn"),
    gru=model("gru"),
    lstm=model("lstm"),
    transformer=transformer,
    smoke=smoke,
    long=long,
    lectures=lectures,
    baby_names=baby_names,
)
