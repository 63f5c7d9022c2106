"""Fine-tune a pretrained language model to follow instructions; score it; answer prompts.

  python -m jaxdl.experiments.instruct --config=experiments/finetune/instruct.py:lora --workdir=DIR
  python -m jaxdl.experiments.instruct --mode=score --workdir=DIR [--before]
  python -m jaxdl.experiments.instruct --mode=generate --workdir=DIR --prompt="..." [--merge]
  python -m jaxdl.experiments.instruct --mode=save_trainable --workdir=DIR --out=ADAPTER_DIR
"""

import json

from absl import flags

from jaxdl import cli
from jaxdl.errors import UserError
from jaxdl.experiments.finetune_modes import save_trainable_mode
from jaxdl.tasks import instruct

PROMPT = flags.DEFINE_multi_string("prompt", [], "Generate: an instruction (repeatable).")
MERGE = flags.DEFINE_bool("merge", False, "Fold LoRA adapters into the base weights first.")
BEFORE = flags.DEFINE_bool("before", False, "Use the model the run starts from, not its checkpoint.")
MAX_NEW_TOKENS = flags.DEFINE_integer("max_new_tokens", 64, "Tokens to generate per answer.")
LIMIT = flags.DEFINE_integer("limit", 0, "Score: at most this many short-answer entries (0 = all).")


def generate():
    if not PROMPT.value:
        raise UserError("--mode=generate needs at least one --prompt=\"...\".")
    answers = instruct.generate(cli.WORKDIR.value, PROMPT.value, max_new_tokens=MAX_NEW_TOKENS.value,
                                merge=MERGE.value, trained=not BEFORE.value)
    for prompt, answer in zip(PROMPT.value, answers):
        print(f"### {prompt}\n{answer}\n", flush=True)


def score():
    result = instruct.score(cli.WORKDIR.value, trained=not BEFORE.value, limit=LIMIT.value)
    shown = (result.pop("held_out") + result.pop("examples")[:5]
             + result.pop("task_examples")[::10])  # the generated tasks: one per kind
    for instruction, reference, response in shown:
        print(f"### {instruction}\nreference: {reference}\nresponse: {response}\n")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    cli.run(instruct, modes={"generate": generate, "score": score,
                             "save_trainable": save_trainable_mode(instruct)})
