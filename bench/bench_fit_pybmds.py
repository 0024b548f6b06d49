"""
bench_fit_pybmds.py - pybmds' time per fit on the same probes bench_fit
times (first N probes of a BMDExpress expression file; Hill, Power, Linear,
Poly 2, Exp 3, Exp 5; probes with a zero-SD dose group skipped; constant variance, 1 SD, profile BMDL/BMDU), and the
ratio to ours when bench_fit's figure is given.

    python bench/bench_fit_pybmds.py FILE [N=20] [OUR_PER_FIT_SECONDS]
"""
import sys
import time

import numpy as np
import pybmds
from pybmds.models import continuous as pc


def main():
    path = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    ours = float(sys.argv[3]) if len(sys.argv) > 3 else None
    with open(path) as f:
        f.readline()
        doses = [float(x) for x in f.readline().rstrip("\n").split("\t")[1:]]
        rows = []
        for line in f:
            y = [float(x) for x in line.rstrip("\n").split("\t")[1:]]
            # the same rule as bench_fit: skip probes with a zero-SD dose group
            # (pybmds refuses them)
            groups = [[v for d, v in zip(doses, y) if d == u] for u in sorted(set(doses))]
            if all(np.std(g, ddof=1) > 0 for g in groups):
                rows.append(y)
            if len(rows) == n:
                break
    models = [(pc.Hill, {}), (pc.Power, {}), (pc.Linear, {}), (pc.Polynomial, {"degree": 2}),
              (pc.ExponentialM3, {}), (pc.ExponentialM5, {})]
    fits = 0
    t0 = time.perf_counter()
    skipped = 0
    for y in rows:
        try:
            ds = pybmds.ContinuousIndividualDataset(doses=doses, responses=y)
        except ValueError:
            skipped += 1
            continue
        means = [np.mean([v for d, v in zip(doses, y) if d == u]) for u in sorted(set(doses))]
        u = sorted(set(doses))
        inc = bool(np.polyfit(u, means, 1)[0] > 0)
        for cls, kw in models:
            cls(ds, settings=dict(disttype=1, bmr_type=2, bmr=1.0, is_increasing=inc, **kw)).execute()
            fits += 1
    per_fit = (time.perf_counter() - t0) / fits
    print(f"pybmds {pybmds.__version__}: fits={fits} per_fit_s={per_fit:.6g} "
          f"(probes refused by pybmds: {skipped})")
    if ours:
        print(f"ratio pybmds/ours per fit = {per_fit / ours:.1f}")


if __name__ == "__main__":
    main()
