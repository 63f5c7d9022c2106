"""Fine-tune a pretrained language model to classify text (SMS spam), or classify with one.

  python -m jaxdl.experiments.classify --config=experiments/finetune/spam.py:last_block --workdir=DIR
  python -m jaxdl.experiments.classify --mode=predict --workdir=DIR --text="Claim your prize now"
  python -m jaxdl.experiments.classify --mode=baseline --config=experiments/finetune/spam.py --workdir=DIR
  python -m jaxdl.experiments.classify --mode=save_trainable --workdir=DIR --out=ADAPTER_DIR
"""

from absl import flags

from jaxdl import cli
from jaxdl.errors import UserError
from jaxdl.experiments.finetune_modes import save_trainable_mode
from jaxdl.tasks import classify

TEXT = flags.DEFINE_multi_string("text", [], "Predict: a message to classify (repeatable).")


def predict():
    if not TEXT.value:
        raise UserError("--mode=predict needs at least one --text=\"...\".")
    for text, (label, probability) in zip(TEXT.value, classify.predict(cli.WORKDIR.value, TEXT.value)):
        print(f"{label}\t{probability:.4f}\t{text}", flush=True)


def baseline():
    """TF-IDF + logistic regression on the config's splits: what the language model adds."""
    if cli.CONFIG.value is None:
        raise UserError("--mode=baseline needs --config=experiments/finetune/spam.py (the splits).")
    for name, value in sorted(classify.baseline(cli.CONFIG.value).items()):
        print(f"{name} {value:.4f}", flush=True)


if __name__ == "__main__":
    cli.run(classify, modes={"predict": predict, "baseline": baseline,
                             "save_trainable": save_trainable_mode(classify)})
