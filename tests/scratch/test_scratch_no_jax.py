"""The scratch track must run on NumPy alone: importing it may not pull in JAX."""

import subprocess
import sys


def test_scratch_modules_do_not_import_jax():
    code = (
        "import sys, jaxdl.scratch.bigram, jaxdl.scratch.mlp, jaxdl.scratch.autograd, jaxdl.scratch.layers\n"
        "import jaxdl.scratch.bpe, jaxdl.data.digits\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        "print(sorted(loaded & {'jax', 'jaxlib', 'flax'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
