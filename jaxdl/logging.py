"""Where a run reports: a progress line on stdout, `metrics.jsonl`, and TensorBoard event files.

Only process 0 writes, so a multi-host run leaves one record.
"""

import json
import pathlib
import time

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


def format_eta(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s"


class Progress:
    """Logs train metrics with throughput and ETA every `log_every` steps (and at the last step)
    to stdout and the writer. The clock starts after the first step, so compilation is not
    counted; `exclude` takes out time spent evaluating or saving."""

    def __init__(self, total: int, log_every: int, unit: str, units_per_batch: int,
                 writer: MetricWriter):
        self.total, self.log_every, self.unit, self.units_per_batch = total, log_every, unit, units_per_batch
        self.writer = writer
        self.last: dict[str, float] = {}
        self._start_time = self._start_step = None

    def record(self, step: int, values: dict[str, float]) -> None:
        if self._start_time is None:
            self._start_time, self._start_step = time.perf_counter(), step
        if step % self.log_every and step != self.total:
            return
        self.last = {f"train/{k}": v for k, v in values.items()}
        self.writer.write(step, self.last)
        line = f"step {step}/{self.total} | loss {values['loss']:.4f}"
        if step > self._start_step:
            per_step = (time.perf_counter() - self._start_time) / (step - self._start_step)
            line += (f" | {1000 * per_step:.1f} ms/step | "
                     f"{self.units_per_batch / per_step:,.0f} {self.unit}/s | "
                     f"ETA {format_eta(per_step * (self.total - step))}")
        log(line)

    def exclude(self, seconds: float) -> None:
        if self._start_time is not None:
            self._start_time += seconds
