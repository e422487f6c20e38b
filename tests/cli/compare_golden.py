"""compare_golden.py: compare columns of a tanaw output CSV with an R golden CSV.

usage: compare_golden.py OURS GOLDEN KEY_OURS:KEY_GOLDEN TOL ours_col=golden_col ...
Rows are matched by key; values must agree to TOL relative (absolute below 1).
Prints one line per mismatch and exits 1 if any; 0 when all agree.
"""
import csv
import math
import sys


def load(path, key):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {r[key].strip(): r for r in rows}


def main():
    ours_path, gold_path, keys, tol = sys.argv[1:5]
    kour, kgold = keys.split(":")
    tol = float(tol)
    ours = load(ours_path, kour)
    gold = load(gold_path, kgold)
    bad = 0
    if set(ours) != set(gold):
        print(f"keys differ: {len(set(ours) ^ set(gold))} not in both")
        bad += 1
    checked = 0
    for pair in sys.argv[5:]:
        co, cg = pair.split("=")
        for k, g in gold.items():
            if k not in ours:
                continue
            a, b = float(ours[k][co]), float(g[cg].strip())
            checked += 1
            if not (abs(a - b) <= tol * max(1.0, abs(b))) and not (math.isnan(a) and math.isnan(b)):
                bad += 1
                if bad < 10:
                    print(f"{k}: {co}={a!r} vs {cg}={b!r}")
    print(f"compared {checked} values, {bad} mismatches")
    sys.exit(1 if bad or checked == 0 else 0)


main()
