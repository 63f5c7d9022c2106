#!/usr/bin/env bash
# Reproduces the results table and figure of experiments/nanogpt/README.md (CPU presets).
# Usage: experiments/nanogpt/reproduce.sh [RUNS_DIR]   (about 10 minutes on 2 CPU cores)
# Needs tinyshakespeare.txt in $JAXDL_DATA_DIR or the cache (else it is downloaded once).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-runs/nanogpt}
mkdir -p "$runs"
config=experiments/nanogpt/shakespeare_char.py
for preset in bigram rnn gru lstm; do
  /usr/bin/time -f "wall %e s" python -m jaxdl.experiments.nanogpt --config=$config:cpu,$preset \
    --workdir=$runs/$preset 2>&1 | tee $runs/$preset.log
done
/usr/bin/time -f "wall %e s" python -m jaxdl.experiments.nanogpt --config=$config:cpu \
  --workdir=$runs/gpt 2>&1 | tee $runs/gpt.log
python -m jaxdl.plot $runs/bigram $runs/rnn $runs/gru $runs/lstm $runs/gpt \
  --key=train/loss,val/loss --out=experiments/nanogpt/figures/loss_curves.png \
  --title="tiny shakespeare, :cpu presets (batch 12 x 64 characters)"
python -m jaxdl.experiments.nanogpt --mode=sample --workdir=$runs/gpt --prompt="ROMEO:" \
  --max_new_tokens=300 --sample_seed=0
