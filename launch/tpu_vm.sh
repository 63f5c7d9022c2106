#!/usr/bin/env bash
# Runs one command on every worker of a Cloud TPU VM slice (one process per host; jax finds the
# coordinator, process count and index itself, so --multihost needs no arguments).
#
#   launch/tpu_vm.sh NAME ZONE setup          # copy this checkout to each worker, install jaxdl + jax[tpu]
#   launch/tpu_vm.sh NAME ZONE run python -m jaxdl.experiments.nanogpt \
#       --config=experiments/nanogpt/gpt2.py --workdir=/mnt/shared/runs/gpt2
#
# The workdir must be one folder that every worker sees (a Filestore/NFS mount, or a bucket
# through gcsfuse): orbax writes each process's shards there and process 0 the logs.
# Needs the gcloud CLI, logged in, with the TPU's project set (gcloud config set project ...).
set -euo pipefail
if [[ $# -lt 3 ]]; then
  echo "usage: $0 NAME ZONE setup | NAME ZONE run COMMAND..." >&2
  exit 2
fi
name=$1 zone=$2 action=$3
shift 3
ssh_all() { gcloud compute tpus tpu-vm ssh "$name" --zone="$zone" --worker=all --command="$1"; }
case $action in
  setup)
    repo=$(cd "$(dirname "$0")/.." && pwd)
    tar -C "$repo" --exclude=.git --exclude=runs -czf /tmp/jaxdl.tgz .
    gcloud compute tpus tpu-vm scp /tmp/jaxdl.tgz "$name":~/jaxdl.tgz --zone="$zone" --worker=all
    ssh_all 'mkdir -p ~/jaxdl && tar -C ~/jaxdl -xzf ~/jaxdl.tgz && pip install -q -e ~/jaxdl "jax[tpu]"'
    ;;
  run)
    # Quote each argument for the remote shell; every worker runs the same command.
    ssh_all "cd ~/jaxdl && $(printf '%q ' "$@") --multihost"
    ;;
  *)
    echo "$0: unknown action $action (setup or run)" >&2
    exit 2
    ;;
esac
