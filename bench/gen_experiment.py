#!/usr/bin/env python3
"""A seeded synthetic experiment for the pipeline benchmark
(bench/bench_pipeline.py): PROBES probes (20,000) over the dose design of
BMDExpress's example data 1 (12 controls, 6 doses of 3), log2 expression,
about RESPONSIVE (5,000) of them with a Hill-shaped dose response that
the prefilter (ANOVA p < 0.05, fold change 1.5) passes, the rest flat
noise. Same seed, same file, byte for byte.

    gen_experiment.py OUT.txt [--probes 20000] [--responsive 5000] [--seed 14]
"""
import argparse
import random

DOSES = [0.0] * 12 + [d for d in (4.742541, 14.997233, 47.425414, 149.972327, 474.254138,
                                  1499.723265) for _ in range(3)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--probes", type=int, default=20000)
    ap.add_argument("--responsive", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=14)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    responsive = set(rng.sample(range(a.probes), a.responsive))
    with open(a.out, "w") as f:
        f.write("SampleID\t" + "\t".join(f"S{i + 1}" for i in range(len(DOSES))) + "\n")
        f.write("Dose\t" + "\t".join(f"{d:g}" for d in DOSES) + "\n")
        for p in range(a.probes):
            base = rng.uniform(5.0, 11.0)
            sd = rng.uniform(0.12, 0.25)
            if p in responsive:
                # mean(d) = base + top * d^n / (ec50^n + d^n), |top| of 1.2-3 log2 units
                top = rng.choice((-1, 1)) * rng.uniform(1.2, 3.0)
                ec50 = 10 ** rng.uniform(1.0, 2.8)
                n = rng.uniform(1.0, 3.0)
                mean = [base + top * d ** n / (ec50 ** n + d ** n) for d in DOSES]
            else:
                mean = [base] * len(DOSES)
            f.write(f"PROBE_{p + 1:05d}\t" +
                    "\t".join(f"{rng.gauss(m, sd):.3f}" for m in mean) + "\n")


if __name__ == "__main__":
    main()
