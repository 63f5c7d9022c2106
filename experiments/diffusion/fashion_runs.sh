#!/usr/bin/env bash
# Every Fashion-MNIST run, table and figure of the generative articles (diffusion, gan,
# autoencoders), one at a time, pinned to the cores in $CORES (taskset -c; default 0, one core),
# each with its wall time and the machine's load. Rerunning resumes the trainings (a finished
# one only evaluates again). N: samples per table row (the articles: 200).
#   [CORES=0,1] bash experiments/diffusion/fashion_runs.sh [N]
set -euo pipefail
N=${1:-200}
CORES=${CORES:-0}
run() { local start=$SECONDS; echo "== $* ($(date +%T), $(uptime | sed 's/.*load/load/'))"
        taskset -c "$CORES" "$@"; echo "== wall_s $((SECONDS - start)): $*"; }
CLASSIFIER=runs/cnn/fashion
# the judge's classifier, trained once (1500 steps) and kept
[ -d $CLASSIFIER/checkpoints/1500 ] || run python -m jaxdl.experiments.cnn \
    --config=experiments/cnn/fashion_mnist.py --workdir=$CLASSIFIER
run python -m jaxdl.experiments.diffusion --config=experiments/diffusion/fashion_mnist.py:cpu \
    --workdir=runs/diffusion/fashion
run python -m jaxdl.experiments.diffusion_figures --workdir=runs/diffusion/fashion \
    --out=experiments/diffusion/figures
FIGURES=experiments/autoencoders/figures; mkdir -p $FIGURES
run python -m jaxdl.experiments.vae --config=experiments/vae/fashion_mnist.py:cpu --workdir=runs/vae/fashion
run python -m jaxdl.experiments.vae --mode=bound --workdir=runs/vae/fashion --k=100 --num_test=500
run python -m jaxdl.experiments.vae --mode=sample --workdir=runs/vae/fashion
cp runs/vae/fashion/samples_seed0.png $FIGURES/vae_samples.png
cp runs/vae/fashion/interpolation.png $FIGURES/vae_interpolation.png
run python -m jaxdl.experiments.gan --config=experiments/gan/fashion_mnist.py:cpu --workdir=runs/gan/fashion
python -m jaxdl.plot runs/gan/fashion --key=train/d_loss,train/g_loss,train/d_real,train/d_fake \
    --out=experiments/gan/figures/losses.png --title="DCGAN on Fashion-MNIST (:cpu)"
run python -m jaxdl.experiments.autoencoder --config=experiments/autoencoder/fashion_mnist.py:cpu \
    --workdir=runs/ae/plain
run python -m jaxdl.experiments.autoencoder --mode=sample --workdir=runs/ae/plain
cp runs/ae/plain/reconstructions.png $FIGURES/ae_reconstructions.png
run python -m jaxdl.experiments.autoencoder --config=experiments/autoencoder/fashion_mnist.py:cpu,latent2 \
    --workdir=runs/ae/latent2
run python -m jaxdl.experiments.autoencoder --mode=sample --workdir=runs/ae/latent2
cp runs/ae/latent2/latent_map.png $FIGURES/ae_latent_map.png
# the table: every model's rows, the floor and the ceilings, N samples each, sample grids
run python -m jaxdl.experiments.generative_table --classifier=$CLASSIFIER \
    --diffusion=runs/diffusion/fashion --vae=runs/vae/fashion --gan=runs/gan/fashion \
    --num_samples="$N" --out=experiments/diffusion/table.json --grids=experiments/diffusion/figures
