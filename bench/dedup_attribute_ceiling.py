#!/usr/bin/env python3
# dedup_attribute_ceiling.py: could place, date and the case's attributes
# link the referrals that share no identifier and no case reference?
# (docs/dedup.md, "How much evidence the records carry"). For every pair of
# records of different sources that share nothing, of the same category and
# number of children, whose days (incident day, else report day) are at
# most D apart and whose places fit (same barangay, or a barangay and its
# municipality, or points/areas within their uncertainty radii + 5 km),
# counts how many are truly one incident and how many are not.
#
# usage: dedup_attribute_ceiling.py RECORDS.csv TRUTH.csv AREAS_DIR
#   (a `tanaw simulate --id-noise` file, its truth, and a folder holding
#   barangays.csv and municipalities.csv with lon, lat, area_km2)
import csv
import datetime
import math
import sys
from collections import defaultdict

recs = list(csv.DictReader(open(sys.argv[1])))
truth = list(csv.DictReader(open(sys.argv[2])))
cent = {}
for name in ('barangays.csv', 'municipalities.csv'):
    for a in csv.DictReader(open(sys.argv[3].rstrip('/') + '/' + name)):
        cent[a['psgc']] = (float(a['lon']), float(a['lat']),
                           math.sqrt(float(a['area_km2'] or 0) / math.pi))


def evidence(x):
    out = set()
    for k in ('account_ids', 'payment_ids', 'device_ids', 'ip_addrs'):
        v = x.get(k, '').strip().lower()
        if k in ('payment_ids', 'device_ids'):
            for c in ' -:.':
                v = v.replace(c, '')
        if v:
            out.add((k, v))
    out.add(('ref', x['source'] + ':' + x['case_id']))
    for v in x.get('referred_from', '').split(';'):
        if v.strip():
            out.add(('ref', v.strip()))
    return out


def km(a, b):
    dx = (a[0] - b[0]) * 111.32 * math.cos(math.radians((a[1] + b[1]) / 2))
    return math.hypot(dx, (a[1] - b[1]) * 110.57)


def fits(a, b):
    if a['code'] and b['code']:
        ca, cb = a['code'], b['code']
        if ca.endswith('000') or cb.endswith('000'):
            return ca[:7] == cb[:7]
        return ca == cb
    pa = a['point'] or cent.get(a['code'])
    pb = b['point'] or cent.get(b['code'])
    return not pa or not pb or km(pa, pb) <= pa[2] + pb[2] + 5


R = []
for x, t in zip(recs, truth):
    d = datetime.date.fromisoformat(x['incident_date'] or x['report_date']).toordinal()
    pt = None
    if x['lon']:
        pt = (float(x['lon']), float(x['lat']), float(x['uncertainty_m'] or 0) / 1000)
    R.append({'day': d, 'code': x['psgc'], 'point': pt, 'source': x['source'],
              'ev': evidence(x), 'inc': t['incident_id'],
              'key': (x['category'], x['children'])})
blocks = defaultdict(list)
for i, r in enumerate(R):
    blocks[r['key']].append(i)
print('max_gap_days true_links false_links precision')
for dmax in (0, 1, 3, 7, 14):
    tp = fp = 0
    for b in blocks.values():
        b.sort(key=lambda i: R[i]['day'])
        for p in range(len(b)):
            for q in range(p + 1, len(b)):
                a, c = R[b[p]], R[b[q]]
                if c['day'] - a['day'] > dmax:
                    break
                if a['source'] == c['source'] or a['ev'] & c['ev'] or not fits(a, c):
                    continue
                if a['inc'] == c['inc']:
                    tp += 1
                else:
                    fp += 1
    print('%d %d %d %.3f' % (dmax, tp, fp, tp / (tp + fp) if tp + fp else 1))
