"""`train.profile = "START:STOP"`: a jax.profiler trace of steps START..STOP in WORKDIR/profile.

View it with TensorBoard's profile plugin (`pip install tensorboard tensorboard-plugin-profile`,
then `tensorboard --logdir WORKDIR/profile`, tab "Profile"), or open the `.xplane.pb` file in
Perfetto / XProf. Each process writes its own file (named after its host). `kernel_times`
reads the newest one back: time per XLA op (experiments/scaling/profile_table.py prints it).
"""

import collections
import pathlib

import jax

from jaxdl.errors import UserError


class StepProfiler:
    """Starts the trace before the call that runs step START and stops it once step STOP is done."""

    def __init__(self, spec: str, workdir):
        self.start = self.stop = None
        self.directory = pathlib.Path(workdir) / "profile"
        self.active = False
        if not spec:
            return
        try:
            self.start, self.stop = (int(part) for part in spec.split(":"))
        except ValueError:
            raise UserError(f"train.profile={spec!r}: write START:STOP, e.g. 10:15.") from None
        if not 1 <= self.start <= self.stop:
            raise UserError(f"train.profile={spec!r}: need 1 <= START <= STOP.")

    def before_call(self, last_step: int, steps_per_call: int) -> None:
        """Called before dispatching the call whose steps end at `last_step`."""
        if self.start is not None and not self.active and last_step >= self.start \
                and last_step - steps_per_call < self.stop:
            jax.profiler.start_trace(str(self.directory))
            self.active = True

    def after_call(self, last_step: int, outputs) -> None:
        """Called after dispatching that call: stops the trace when it covered step STOP."""
        if self.active and last_step >= self.stop:
            jax.block_until_ready(outputs)  # the trace must hold the steps' device work
            self.close()

    def close(self) -> None:
        if self.active:
            jax.profiler.stop_trace()
            self.active = False
            self.start = None  # once per run


def kernel_times(workdir) -> dict[tuple[str, str], list]:
    """From the newest trace in WORKDIR/profile: (jitted function's XLA module, op) -> [kernel
    seconds summed over threads, runs]. Kernels are the trace's events that name an `hlo_op`."""
    traces = sorted((pathlib.Path(workdir) / "profile").glob("plugins/profile/*/*.xplane.pb"))
    if not traces:
        raise UserError(f"{workdir}/profile holds no trace: train with "
                        "--config.train.profile=START:STOP first.")
    times = collections.defaultdict(lambda: [0.0, 0])
    for plane in jax.profiler.ProfileData.from_file(str(traces[-1])).planes:
        for line in plane.lines:
            for event in line.events:
                stats = dict(event.stats)
                if "hlo_op" in stats:
                    entry = times[stats.get("hlo_module", "?"), stats["hlo_op"]]
                    entry[0] += event.duration_ns * 1e-9
                    entry[1] += 1
    return dict(times)
