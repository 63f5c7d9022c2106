#!/usr/bin/env bash
# Runs one jaxdl command on every host of a Cloud TPU VM slice, in the repo's folder on each host.
#
#   launch/tpu_vm.sh TPU_NAME ZONE [PROJECT] -- python -m jaxdl.experiments.nanogpt \
#       --config=experiments/nanogpt/shakespeare_char.py --workdir=/mnt/shared/runs/gpt
#
# --multihost is appended so that each process calls jax.distributed.initialize() and feeds its own
# rows of the global batch. The workdir must be on a file system every host sees (NFS, Filestore,
# a gcsfuse mount): checkpoints are written by all hosts together.
# First time on a slice: run `launch/tpu_vm.sh NAME ZONE -- pip install -e . "jax[tpu]"`
# after copying the repo to each host (gcloud compute tpus tpu-vm scp --worker=all).
set -euo pipefail

if [ $# -lt 4 ]; then
  sed -n '2,12p' "$0"
  exit 2
fi
name=$1 zone=$2
shift 2
project_flag=()
if [ "$1" != "--" ]; then project_flag=(--project "$1"); shift; fi
[ "$1" = "--" ] || { echo "expected -- before the command" >&2; exit 2; }
shift

command=$(printf '%q ' "$@")
if [[ "$command" == *"jaxdl.experiments."* ]]; then command+=" --multihost"; fi
repo_dir=${JAXDL_REMOTE_DIR:-jaxdl}
gcloud compute tpus tpu-vm ssh "$name" --zone "$zone" "${project_flag[@]}" --worker=all \
  --command "cd $repo_dir && $command"
