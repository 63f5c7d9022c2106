"""The top XLA ops by kernel time in a run's profile, as Markdown tables (the article's).

  python experiments/scaling/profile_table.py WORKDIR [STEPS] [TOP]

WORKDIR holds a trace written by --config.train.profile=START:STOP; STEPS (the number of
profiled steps, STOP - START + 1) turns totals into per-step times. Kernel times are summed over
the threads that ran them. The second table groups ops by kind: the name without its ".N" suffix
(`ynn_fusion` and `dot`: matmuls, YNNPACK's and XLA's own; `*_fusion`: fused elementwise work).
"""

import collections
import sys

from jaxdl import profiling


def tables(workdir, steps: int = 1, top: int = 12) -> tuple[str, str]:
    times = profiling.kernel_times(workdir)
    module = max({m for m, _ in times}, key=lambda m: sum(t for (n, _), (t, _) in times.items()
                                                           if n == m))  # the train step
    ops = {op: entry for (m, op), entry in times.items() if m == module}
    total = sum(t for t, _ in ops.values())
    rows = ["| op | ms per step | share | runs |", "| --- | ---: | ---: | ---: |"]
    for op, (t, runs) in sorted(ops.items(), key=lambda item: -item[1][0])[:top]:
        rows.append(f"| `{op}` | {1e3 * t / steps:.2f} | {t / total:.1%} | {runs} |")
    kinds = collections.Counter()
    for op, (t, _) in ops.items():
        kinds[op.split(".")[0]] += t
    kind_rows = ["| kind | ms per step | share |", "| --- | ---: | ---: |"]
    for kind, t in kinds.most_common(top):
        kind_rows.append(f"| `{kind}` | {1e3 * t / steps:.2f} | {t / total:.1%} |")
    header = (f"{module}: {len(ops)} ops, {1e3 * total / steps:.1f} ms of kernel time per step "
              f"over {steps} step(s)")
    return header + "\n\n" + "\n".join(rows), "\n".join(kind_rows)


if __name__ == "__main__":
    workdir, *numbers = sys.argv[1:]
    steps, top = [int(n) for n in numbers] + [1, 12][len(numbers):]
    for table in tables(workdir, steps, top):
        print(table + "\n")
