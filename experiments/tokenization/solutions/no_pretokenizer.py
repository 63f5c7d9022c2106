"""Exercise (tokenization, medium): remove the pre-tokenizer (encode the whole text as one
piece) and retrain. Which tokens appear that GPT-2's rules forbid, and what happens to tokens
per character?

Without the pre-tokenizer, merges may cross word boundaries: tokens such as "e t", "d, " or
"the " (a word with the space *after* it, or the end of one word and the start of the next)
appear, because frequent word pairs ("of the", "I am") are frequent byte sequences too. On the
training text the tokenizer compresses a little better (fewer tokens per character), but its
tokens now stand for fragments of phrases, and one word gets different tokens depending on its
neighbours.

  python experiments/tokenization/solutions/no_pretokenizer.py
"""

from unittest import mock

from jaxdl.data import sources
from jaxdl.scratch import bpe


def crosses_words(token: bytes) -> bool:
    """A space anywhere but first: the token spans the end of a word and more."""
    return b" " in token[1:]


def main(tiny: bool = False, vocab_size: int = 300):
    text = sources.load_text("shakespeare_plays").text[:3_000 if tiny else 200_000]
    results = {}
    for name, pieces in (("GPT-2 pre-tokenizer", bpe.pretokenize), ("one piece", lambda t: [t])):
        with mock.patch.object(bpe, "pretokenize", pieces):
            tokenizer = bpe.train(text, vocab_size)
            tokens_per_char = len(tokenizer.encode(text)) / len(text)
        crossing = [t for t in tokenizer.vocab[256:] if crosses_words(t)]
        results[name] = dict(tokens_per_char=tokens_per_char, crossing=crossing)
        print(f"{name}: {tokens_per_char:.3f} tokens per character, {len(crossing)} tokens "
              f"across words, e.g. {[t.decode('utf-8', 'replace') for t in crossing[:6]]}")
    return results


if __name__ == "__main__":
    main()
