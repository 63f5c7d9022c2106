"""Exercise (tokenization, medium): encode a few lines of German, Hindi and Python code with
the plays tokenizer and with GPT-2's. Who pays more for the same meaning?

Byte-level BPE never fails (every byte is a token), but it only merges what its training text
had often. Devanagari letters take 3 bytes each in UTF-8 and are rare in both training texts,
so Hindi costs the most with either tokenizer (more than one token per character, where English
needs less than half a token); German and code fall in between. GPT-2, trained on far more and
more varied text than our plays, is cheaper on every line, but its ranking is the same.

  python experiments/tokenization/solutions/languages.py
"""

from jaxdl.data import sources
from jaxdl.scratch import bpe
from jaxdl.studies.tokenization import gpt2_tokenizer

SAMPLES = {
    "English": "The weather was cold, so we stayed at home and read old letters by the fire.",
    "German": "Das Wetter war kalt, also blieben wir zu Hause und lasen alte Briefe am Feuer.",
    "Hindi": "मौसम ठंडा था, इसलिए हम घर पर रहे और आग के पास पुराने पत्र पढ़े।",
    "Python": "def mean(values):\n    return sum(values) / max(len(values), 1)\n",
}


def tokens_per_char(tokenizer) -> dict[str, float]:
    return {name: len(tokenizer.encode(text)) / len(text) for name, text in SAMPLES.items()}


def main(tiny: bool = False):
    text = sources.load_text("shakespeare_plays").text[:30_000 if tiny else 2_000_000]
    size = 400 if tiny else 4096
    found = {f"plays BPE {size}": bpe.train(text, size)}
    gpt2 = gpt2_tokenizer()
    if gpt2 is not None:
        found["GPT-2"] = gpt2
    results = {name: tokens_per_char(tok) for name, tok in found.items()}
    for name, row in results.items():
        print(f"{name:15s} " + " | ".join(f"{lang} {v:.2f}" for lang, v in row.items()))
    return results


if __name__ == "__main__":
    main()
