#!/usr/bin/env python3
"""public_attack.py: try to recover withheld counts from everything a
`tanaw ... --public` run wrote (docs/publication.md). Written apart from the
library on purpose: it reads only the outputs and shares no code with it.

Inputs: the per-area CSV (--csv), the GeoJSON (--geojson), the totals file
(--totals: every area and ancestor with its parent) and the stdout summary
(--stdout, for the national total and the top-hotspot table). It first
checks that every table agrees with the others and that no shown count is
below the threshold, then attacks:
  1. subtraction: a family (a total and its children) with one unknown
     member gives it away; repeated until nothing more is learnt;
  2. exact ranges: the interval of every node consistent with all published
     numbers when a withheld count is only known to be >= 1 (bottom-up and
     top-down passes, exact on a tree of sums);
  3. (--brute, small cases) every integer assignment of the withheld areas
     up to the national total is enumerated: the values each withheld node
     can take.
With --cube (emerging: area x step cells, each cell a child of its area;
a withheld cell may be 0, since the cube withholds zeros too) the cells
join the tree. With --clusters and --members (scan) every cluster whose
observed count is shown adds the constraint "observed = sum of its member
areas' counts" to the subtraction and to the brute force: the constraints
a reader would try, although a public scan computes its clusters from the
public view (docs/publication.md), so that they are no sums of real
counts. --truth FILE (psgc,count or the --totals of an internal run: the
real counts, known to the test only)
then decides: the attack succeeds when it pins a withheld count to its
true value, or narrows it to fewer than floor((t-1)/2)+1 values around it.
Exit 0 when the attack fails (nothing pinned, every withheld count keeps at
least floor((t-1)/2)+1 possible values), 1 otherwise, with the reason.
"""
import argparse, csv, itertools, json, math, re, sys

def fail(msg):
    print("attack: " + msg)
    sys.exit(1)

ap = argparse.ArgumentParser()
ap.add_argument("--csv"); ap.add_argument("--geojson"); ap.add_argument("--totals", required=True)
ap.add_argument("--stdout"); ap.add_argument("--min-count", type=float, default=10)
ap.add_argument("--brute", action="store_true")
ap.add_argument("--cube"); ap.add_argument("--clusters"); ap.add_argument("--members")
ap.add_argument("--truth")
args = ap.parse_args()
t = args.min_count
width = max(1, math.floor((t - 1) / 2))

def num(s):
    return None if s in ("", None) else float(s)

nodes, order = {}, []
with open(args.totals, newline="") as f:
    for r in csv.DictReader(f):
        nodes[r["id"]] = {"parent": r["parent"] or None, "count": num(r["count"]),
                          "supp": r["suppressed"] == "1", "level": r["level"]}
        order.append(r["id"])
for k, v in nodes.items():
    if v["supp"] != (v["count"] is None):
        fail("%s: suppressed flag and empty count disagree in the totals" % k)
    if v["count"] is not None and 0 < v["count"] < t:
        fail("%s: count %g below %g is shown" % (k, v["count"], t))
    if v["parent"] is not None and v["parent"] not in nodes:
        fail("%s: parent %s is not in the totals" % (k, v["parent"]))

def check_area(k, count, supp, rate, where):
    if k not in nodes:
        fail("%s: area %s not in the totals" % (where, k))
    n = nodes[k]
    if supp != n["supp"] or count != n["count"]:
        fail("%s: area %s shows %r/%r, the totals %r/%r" % (where, k, count, supp, n["count"], n["supp"]))
    if supp and rate is not None:
        fail("%s: area %s is withheld but its rate is shown" % (where, k))

areas = set()
if args.csv:
    with open(args.csv, newline="") as f:
        for r in csv.DictReader(f):
            check_area(r["id"], num(r["count"]), r["suppressed"] == "1", num(r.get("rate")), "csv")
            areas.add(r["id"])
if args.geojson:
    with open(args.geojson) as f:
        gj = json.load(f)
    for ft in gj["features"]:
        p = ft["properties"]
        c = p["count"]
        check_area(p["id"], None if c is None else float(c), p["suppressed"] == 1,
                   p.get("rate"), "geojson")
if args.cube:
    with open(args.cube, newline="") as f:
        for r in csv.DictReader(f):
            k, c, supp = r["id"] + "@" + r["step"], num(r["count"]), r["suppressed"] == "1"
            if r["id"] not in nodes:
                fail("cube: area %s not in the totals" % r["id"])
            if supp != (c is None):
                fail("cube: %s: suppressed flag and empty count disagree" % k)
            if c is not None and 0 < c < t:
                fail("cube: %s: count %g below %g is shown" % (k, c, t))
            if c == 0 and nodes[r["id"]]["count"] != 0:
                fail("cube: %s: a zero is shown in an area that is not a shown zero" % k)
            nodes[k] = {"parent": r["id"], "count": c, "supp": supp, "level": "cell"}
sums = []  # (members, observed): non-tree sums a reader may try
members = {}
if args.members:
    with open(args.members, newline="") as f:
        for r in csv.DictReader(f):
            c = num(r["cases"])
            if r["area_id"] not in nodes:
                fail("members: area %s not in the totals" % r["area_id"])
            n = nodes[r["area_id"]]
            if (c is None) != n["supp"] or (c is not None and c != n["count"]):
                fail("members: area %s shows %r, the totals %r" % (r["area_id"], c, n["count"]))
            members.setdefault(r["cluster"], []).append(r["area_id"])
if args.clusters:
    with open(args.clusters, newline="") as f:
        for r in csv.DictReader(f):
            o = None if r["observed"] in ("", "nan") else float(r["observed"])
            if o is not None and 0 < o < t:
                fail("cluster %s: observed %g below %g is shown" % (r["rank"], o, t))
            if o is None:
                for col in ("llr", "rr", "oe", "p"):
                    if r[col] not in ("", "nan"):
                        fail("cluster %s: observed withheld but %s shown" % (r["rank"], col))
            elif r["rank"] in members:
                sums.append((members[r["rank"]], o))
    print("attack: %d cluster sums over member areas" % len(sums))
truth = None
if args.truth:
    truth = {}
    with open(args.truth, newline="") as f:
        for r in csv.DictReader(f):
            truth[r.get("psgc") or r["id"]] = float(r["count"])  # counts CSV or exact --totals

national = [k for k, v in nodes.items() if v["parent"] is None]
if len(national) != 1:
    fail("expected one national total, got %d" % len(national))
root = national[0]
if args.stdout:
    text = open(args.stdout).read()
    m = re.search(r"^national total: (\S+)", text, re.M)
    if not m:
        fail("no national total on stdout")
    shown = None if m.group(1) == "withheld" else float(m.group(1))
    if shown != nodes[root]["count"]:
        fail("stdout national total %r differs from the totals file %r" % (shown, nodes[root]["count"]))
    if re.search(r"^(records|placed):", text, re.M):
        fail("stdout of a public run shows record diagnostics")
    # the top-hotspot table ("%4zu  %-10s  %-34.34s %8.0f %12.0f %10.2f ..."):
    # a withheld area shows nan for count and rate, a shown one its count
    rows = 0
    for line in text.splitlines():
        if len(line) < 60 or not line[:4].strip().isdigit() or line[4:6] != "  ":
            continue
        k, rest = line[6:16].strip(), line[53:].split()
        if k not in nodes:
            continue
        rows += 1
        if nodes[k]["supp"] and (rest[0] != "nan" or rest[2] != "nan"):
            fail("stdout shows count %s, rate %s of withheld area %s" % (rest[0], rest[2], k))
        if not nodes[k]["supp"] and float(rest[0]) != nodes[k]["count"]:
            fail("stdout count of %s differs from the tables" % k)
    print("attack: %d top-hotspot rows on stdout checked" % rows)

children = {k: [] for k in nodes}
for k, v in nodes.items():
    if v["parent"]:
        children[v["parent"]].append(k)
withheld = [k for k, v in nodes.items() if v["supp"]]
floor_of = {k: (0 if v["level"] == "cell" else 1) for k, v in nodes.items()}  # what a reader knows
if truth is not None:  # the truth of every tree node, from the areas' real counts
    tv = {}
    def true_of(k):
        if k not in tv:
            tv[k] = truth.get(k, 0.0) if not children[k] else sum(true_of(c) for c in children[k])
        return tv[k]
    for k in nodes:
        true_of(k)

def judge(k, lo, hi, how):
    """A withheld node narrowed to [lo, hi]: a success of the attack?"""
    if hi - lo >= width:
        return
    if truth is None:
        fail("%s: withheld %s %s" % (how, k, "is pinned to %g" % lo if hi == lo else
                                     "lies in [%g, %g]: fewer than %d possible values" % (lo, hi, width + 1)))
    right = lo <= tv[k] <= hi
    guesses.append((how, k, lo, hi, right))
    if right and not sums:  # without cluster sums every range is sound: a true recovery
        fail("%s: withheld %s lies in [%g, %g], and its true count %g is there" % (how, k, lo, hi, tv[k]))

guesses = []
def verdict():
    """With --truth and cluster sums: the reader cannot tell a right value
    from a wrong one, so the attack succeeds when most of its values are
    right (a scan on real counts: all), not when one is right by chance."""
    if not guesses:
        return
    right = [g for g in guesses if g[4]]
    print("attack: %d values from the published sums, %d of them the true count"
          % (len(guesses), len(right)))
    if 2 * len(right) > len(guesses):
        how, k, lo, hi, _ = right[0]
        fail("%s: withheld %s lies in [%g, %g], and its true count %g is there (%d of %d values right)"
             % (how, k, lo, hi, tv[k], len(right), len(guesses)))

# 1. subtraction to a fixpoint
known = {k: v["count"] for k, v in nodes.items() if not v["supp"]}
changed = True
while changed:
    changed = False
    for p, ch in children.items():
        if not ch:
            continue
        unknown = [c for c in ch if c not in known]
        if p in known and len(unknown) == 1:
            known[unknown[0]] = known[p] - sum(known[c] for c in ch if c in known)
            changed = True
        elif p not in known and not unknown:
            known[p] = sum(known[c] for c in ch)
            changed = True
    for ms, o in sums:
        unknown = [c for c in ms if c not in known]
        if len(unknown) == 1:
            known[unknown[0]] = o - sum(known[c] for c in ms if c in known)
            changed = True
recovered = [k for k in withheld if k in known]
if recovered and truth is None:
    fail("subtraction recovers %d withheld counts, e.g. %s = %g" % (len(recovered), recovered[0], known[recovered[0]]))
for k in recovered:
    judge(k, known[k], known[k], "subtraction")

# 2. exact ranges on the tree
depth = {}
def get_depth(k):
    d, x = 0, k
    while nodes[x]["parent"]:
        x = nodes[x]["parent"]; d += 1
    return d
post = sorted(nodes, key=lambda k: -get_depth(k))
box = {k: ((floor_of[k], math.inf) if v["supp"] else (v["count"], v["count"])) for k, v in nodes.items()}
down = {}
for k in post:
    lo, hi = box[k]
    if children[k]:
        lo = max(lo, sum(down[c][0] for c in children[k]))
        hi = min(hi, sum(down[c][1] for c in children[k]))
    if lo > hi:
        fail("inconsistent tables at %s" % k)
    down[k] = (lo, hi)
up, rng = {}, {}
for k in reversed(post):
    p = nodes[k]["parent"]
    if p is None:
        up[k] = box[k]
    else:
        sib = [c for c in children[p] if c != k]
        slo = sum(down[c][0] for c in sib); shi = sum(down[c][1] for c in sib)
        lo = max(box[k][0], up[p][0] - shi); hi = min(box[k][1], up[p][1] - slo)
        up[k] = (lo, hi)
    rng[k] = (max(up[k][0], down[k][0]), min(up[k][1], down[k][1]))
narrow = [(rng[k][1] - rng[k][0], k) for k in withheld]
for w, k in sorted(narrow)[:50]:
    judge(k, rng[k][0], rng[k][1], "exact tree ranges")
verdict()
guesses.clear()
print("attack: %d nodes, %d withheld; subtraction recovers none; narrowest exact range %s"
      % (len(nodes), len(withheld), min(narrow)[0] if narrow else "-"))

# 3. brute force over the withheld areas (small cases)
if args.brute:
    leaves = [k for k in nodes if not children[k]]
    hidden = [k for k in leaves if nodes[k]["supp"]]
    total = nodes[root]["count"]
    if total is None or len(hidden) > 6 or total ** len(hidden) > 5e6:
        fail("--brute: case too large (%d withheld areas, total %r)" % (len(hidden), total))
    lo_b = {k: math.inf for k in nodes}; hi_b = {k: -math.inf for k in nodes}
    sols = 0
    for vals in itertools.product(range(1, int(total) + 1), repeat=len(hidden)):
        val = {k: nodes[k]["count"] for k in leaves}
        val.update(zip(hidden, vals))
        for k in post:
            if children[k]:
                val[k] = sum(val[c] for c in children[k])
        if all((val[k] >= 1) if nodes[k]["supp"] else (val[k] == nodes[k]["count"]) for k in nodes if children[k]) \
                and all(sum(val[c] for c in ms) == o for ms, o in sums):
            sols += 1
            for k in nodes:
                lo_b[k] = min(lo_b[k], val[k]); hi_b[k] = max(hi_b[k], val[k])
    for k in withheld:
        if sols == 0:
            print("attack: brute force: no assignment meets every published sum")
            break
        judge(k, lo_b[k], hi_b[k], "brute force")
        if not sums and (lo_b[k], hi_b[k]) != rng[k]:
            fail("brute force %s: %g..%g but the ranges said %g..%g" % (k, lo_b[k], hi_b[k], *rng[k]))
    verdict()
    print("attack: brute force over %d withheld areas: %d consistent assignments, none pinned"
          % (len(hidden), sols))
sys.exit(0)
