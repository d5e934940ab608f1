#!/usr/bin/env python3
"""Inclusive cost per message of functions matching a regex (self + calls), diff of two runs."""
import re, sys, collections
sys.argv_saved = list(sys.argv)
exec(open(__file__.replace('callgrind-inclusive.py', 'callgrind-callers.py')).read().split('a_path, b_path')[0])
a_path, b_path, n, pattern = sys.argv[1], sys.argv[2], float(sys.argv[3]), re.compile(sys.argv[4])
incl = collections.Counter(); selfs = collections.Counter()
for path, sign in ((a_path, -1), (b_path, 1)):
    edges, selfc = parse(path); m = maps(path); st = [x[0] for x in m]
    for fn, v in selfc.items():
        s = sym(fn, m, st)
        if pattern.search(s): incl[s] += sign * v; selfs[s] += sign * v
    for (caller, callee), v in edges.items():
        c = sym(caller, m, st)
        if pattern.search(c) and sym(callee, m, st) != c: incl[c] += sign * v
for fn, v in sorted(incl.items(), key=lambda kv: -kv[1])[:40]:
    print(f'{v/n:9,.0f} incl {selfs[fn]/n:9,.0f} self  {fn[:120]}')
