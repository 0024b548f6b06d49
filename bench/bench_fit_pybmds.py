#!/usr/bin/env python3
"""
bench_fit_pybmds.py - the fitting benchmark with its ratio to pybmds, both
measured in the same run (issue 14 item 3):

1. runs bench_fit on FILE (every probe, or the first --max-probes; ten
   models with profile BMDL/BMDU on --threads threads): probes/s, fits/s,
   peak memory, and our time per fit of the six models pybmds also has
   (Hill, Power, Linear, Poly 2, Exp 3, Exp 5) on the first 20 probes
   without a zero-SD dose group, one thread;
2. times pybmds on those same 20 probes, same six models, same variance,
   1 SD BMR (pybmds computes its BMDL/BMDU too);
3. prints both per-fit times and the ratio pybmds / ours.

    .state/venv/bin/python bench/bench_fit_pybmds.py FILE [--threads 2]
        [--max-probes 0] [--variance constant|nonconstant] [--bin build/bin]

Not a test: ctest runs it only with the label "bench" (ctest -L bench).
"""
import argparse
import os
import re
import subprocess
import sys
import time

import numpy as np
import pybmds
from pybmds.models import continuous as pc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N_SMALL = 20  # bench_fit's per-fit sample: the first 20 probes without a zero-SD group


def first_probes(path, n):
    """doses and the first n probes' responses without a zero-SD dose group
    (pybmds refuses them; bench_fit skips the same ones)"""
    with open(path) as f:
        f.readline()
        doses = [float(x) for x in f.readline().rstrip("\n").split("\t")[1:]]
        rows = []
        for line in f:
            y = [float(x) for x in line.rstrip("\n").split("\t")[1:]]
            groups = [[v for d, v in zip(doses, y) if d == u] for u in sorted(set(doses))]
            if all(np.std(g, ddof=1) > 0 for g in groups):
                rows.append(y)
            if len(rows) == n:
                break
    return doses, rows


def time_pybmds(doses, rows, variance):
    """pybmds' seconds per fit of the six models, the number of fits, and
    the probes pybmds refused (a dose group whose SD it computes as 0)"""
    models = [(pc.Hill, {}), (pc.Power, {}), (pc.Linear, {}), (pc.Polynomial, {"degree": 2}),
              (pc.ExponentialM3, {}), (pc.ExponentialM5, {})]
    disttype = 1 if variance == "constant" else 2
    u = sorted(set(doses))
    fits = refused = 0
    t0 = time.perf_counter()
    for y in rows:
        try:
            ds = pybmds.ContinuousIndividualDataset(doses=doses, responses=y)
        except ValueError:
            refused += 1
            continue
        means = [np.mean([v for d, v in zip(doses, y) if d == x]) for x in u]
        inc = bool(np.polyfit(u, means, 1)[0] > 0)
        for cls, kw in models:
            cls(ds, settings=dict(disttype=disttype, bmr_type=2, bmr=1.0, is_increasing=inc,
                                  **kw)).execute()
            fits += 1
    return (time.perf_counter() - t0) / max(fits, 1), fits, refused


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?",
                    default=os.path.join(ROOT, "tests", "data", "bmdexpress", "example data 1.txt"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-probes", type=int, default=0, help="0: every probe")
    ap.add_argument("--variance", choices=["constant", "nonconstant"], default="constant")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    args = ap.parse_args()

    exe = os.path.join(args.bin, "bench_fit")
    if not os.access(exe, os.X_OK):
        sys.exit(f"bench_fit_pybmds: {exe} is missing: build it first (scripts/build.sh release)")
    r = subprocess.run([exe, args.file, str(args.threads), str(args.max_probes), args.variance],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"bench_fit_pybmds: bench_fit failed ({r.returncode}): {r.stderr.strip()}")
    print(r.stdout.strip())
    m = re.search(r"per_fit_s_six_models_first_(\d+)_probes=([0-9.eE+-]+)", r.stdout)
    if not m:
        sys.exit("bench_fit_pybmds: bench_fit printed no per-fit time")
    ours = float(m.group(2))

    doses, rows = first_probes(args.file, int(m.group(1)))
    theirs, fits, refused = time_pybmds(doses, rows, args.variance)
    print(f"pybmds {pybmds.__version__}: variance={args.variance} fits={fits} "
          f"per_fit_s={theirs:.6g} (probes refused by pybmds: {refused})")
    print(f"ours: per_fit_s={ours:.6g}")
    print(f"ratio pybmds/ours per fit = {theirs / ours:.1f}")


if __name__ == "__main__":
    main()
