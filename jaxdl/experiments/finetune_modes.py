"""The mode the fine-tuning entry points (classify, instruct) share:

  --mode=save_trainable --workdir=DIR --out=FOLDER   the trained parameters alone (an adapter)
"""

from absl import flags

from jaxdl import cli
from jaxdl.errors import UserError
from jaxdl.tasks import lm_finetune

OUT = flags.DEFINE_string("out", None, "save_trainable: the folder for the trained parameters.")


def save_trainable_mode(task):
    """The save_trainable mode of `task`'s entry point, for cli.run's `modes`."""
    def save_trainable():
        if not OUT.value:
            raise UserError("--mode=save_trainable needs --out=FOLDER.")
        folder = lm_finetune.save_trainable(cli.WORKDIR.value, task.build_model, OUT.value)
        print(f"wrote {folder}", flush=True)
    return save_trainable
