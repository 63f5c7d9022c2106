"""Where a run reports: a progress line on stdout, `metrics.jsonl`, and TensorBoard event files.

Only process 0 writes, so a multi-host run leaves one record.
"""

import json
import pathlib

import jax


def log(message: str) -> None:
    if jax.process_index() == 0:
        print(message, flush=True)


class MetricWriter:
    """Appends `{"step": ..., "train/loss": ...}` lines to metrics.jsonl and scalars to TensorBoard."""

    def __init__(self, workdir: pathlib.Path):
        self.path = pathlib.Path(workdir) / "metrics.jsonl"
        self.enabled = jax.process_index() == 0
        self._tb = None
        if self.enabled:
            from tensorboardX import SummaryWriter  # imported lazily: only the writing process needs it

            self._tb = SummaryWriter(logdir=str(workdir), flush_secs=30)

    def truncate_after(self, step: int) -> None:
        """On resume, drops lines that a killed run wrote after its last checkpoint."""
        if not (self.enabled and self.path.exists()):
            return
        lines = self.path.read_text().splitlines()
        kept = [line for line in lines if line.strip() and json.loads(line)["step"] <= step]
        self.path.write_text("".join(line + "\n" for line in kept))

    def write(self, step: int, metrics: dict[str, float]) -> None:
        if not self.enabled:
            return
        with self.path.open("a") as f:
            f.write(json.dumps({"step": step, **metrics}) + "\n")
        for key, value in metrics.items():
            self._tb.add_scalar(key, value, step)

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()


def read_metrics(workdir) -> list[dict]:
    path = pathlib.Path(workdir) / "metrics.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
