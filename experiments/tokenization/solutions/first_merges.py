"""Exercise (tokenization, easy): train with a vocabulary of 300 and print the first merges.
Which come first, and why do so many start with a space?

The first merges are the most frequent adjacent byte pairs of the pre-tokenized text: pieces
of the commonest short words ("th", "the", "ou", "an") and, since GPT-2's pre-tokenizer glues
the space before a word to it (" the", " and"), a space followed by a common first letter. A
word in the middle of a sentence is always led by its space, so " t", " a", " w" are among the
most frequent pairs of all.

  python experiments/tokenization/solutions/first_merges.py
"""

from jaxdl.data import sources
from jaxdl.scratch import bpe


def main(tiny: bool = False, vocab_size: int = 300):
    text = sources.load_text("shakespeare_plays").text[:50_000 if tiny else 1_000_000]
    tokenizer = bpe.train(text, vocab_size)
    merged = tokenizer.vocab[256:]
    with_space = sum(token.startswith(b" ") for token in merged) / len(merged)
    print("first merges:", [token.decode("utf-8", "replace") for token in merged[:20]])
    print(f"{with_space:.0%} of the {len(merged)} merged tokens start with a space")
    return tokenizer, with_space


if __name__ == "__main__":
    main()
