"""Sentence embeddings from a BERT encoder, and their cosine similarities.

  python -m jaxdl.pretrained.embed --model=minilm-l6 "A man plays a guitar." \
      "Someone is playing the guitar." "The stock market fell today."

Each sentence is tokenized ([CLS] ... [SEP]), the batch is right-padded with a padding mask, the
encoder's states are averaged over the real tokens and scaled to unit length (all-MiniLM-L6-v2's
recipe), so the printed matrix holds the cosine of every pair.
"""

import sys

from absl import app, flags, logging

from jaxdl.errors import UserError
from jaxdl.pretrained import lm_store
from jaxdl.pretrained.sentences import cosine_matrix, embed

MODEL = flags.DEFINE_string("model", "minilm-l6", "A BERT model of the registry, or a folder.")
DOWNLOAD = flags.DEFINE_bool("download", False, "Fetch a missing model from the Hugging Face Hub.")


def main(argv):
    sentences = argv[1:]
    logging.set_verbosity(logging.WARNING)
    try:
        if len(sentences) < 2:
            raise UserError("Give at least two sentences to compare.")
        model, tokenizer = lm_store.load(MODEL.value, download=DOWNLOAD.value)
        cosines = cosine_matrix(embed(model, tokenizer, sentences))
    except UserError as error:
        sys.exit(f"error: {error}")
    for i, sentence in enumerate(sentences):
        print(f"[{i}] {sentence}")
    print("cosine " + " ".join(f"{f'[{j}]':>7}" for j in range(len(sentences))))
    for i, row in enumerate(cosines):
        print(f"{f'[{i}]':>6} " + " ".join(f"{c:7.4f}" for c in row))


if __name__ == "__main__":
    app.run(main)
