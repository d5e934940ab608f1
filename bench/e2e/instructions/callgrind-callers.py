#!/usr/bin/env python3
"""Callers (inclusive call cost per message) of functions matching a regex: diff of two runs."""
import re, sys, collections, bisect, glob

def parse(path):
    names = {'ob': {}, 'fn': {}, 'fl': {}}
    edges = collections.Counter(); selfc = collections.Counter()
    fn = '?'; cfn = None; pending = False
    def name(kind, rest):
        m = re.match(r'\((\d+)\)(?:\s(.*))?', rest)
        if m:
            if m.group(2) is not None: names[kind][m.group(1)] = m.group(2)
            return names[kind].get(m.group(1), '?')
        return rest
    for line in open(path, errors='replace'):
        line = line.rstrip('\n')
        if not line: continue
        c = line[0]
        if c.isdigit() or c in '+-*':
            parts = line.split()
            if len(parts) < 2: continue
            if pending:
                edges[(fn, cfn)] += int(parts[1]); pending = False
            else: selfc[fn] += int(parts[1])
            continue
        if line.startswith('fn='): fn = name('fn', line[3:])
        elif line.startswith('cfn='): cfn = name('fn', line[4:])
        elif line.startswith('ob='): name('ob', line[3:])
        elif line.startswith('cob='): name('ob', line[4:])
        elif line.startswith(('fl=', 'fi=', 'fe=')): name('fl', line[3:])
        elif line.startswith(('cfl=', 'cfi=')): name('fl', line[4:])
        elif line.startswith('calls='): pending = True
    return edges, selfc
def maps(path):
    e = []
    for p in glob.glob(path + '.map'):
        for line in open(p, errors='replace'):
            parts = line.rstrip('\n').split(' ', 2)
            if len(parts) == 3: e.append((int(parts[0], 16), int(parts[1], 16), parts[2]))
    e.sort(); return e
def sym(fn, m, starts):
    if fn.startswith('0x') and m:
        a = int(fn.split("'")[0], 16); i = bisect.bisect_right(starts, a) - 1
        if i >= 0 and a < m[i][0] + m[i][1]: return m[i][2]
    return fn
a_path, b_path, n, pattern = sys.argv[1], sys.argv[2], float(sys.argv[3]), re.compile(sys.argv[4])
mode = sys.argv[5] if len(sys.argv) > 5 else 'callers'
res = collections.Counter()
for path, sign in ((a_path, -1), (b_path, 1)):
    edges, _ = parse(path); m = maps(path); st = [x[0] for x in m]
    for (caller, callee), v in edges.items():
        caller = sym(caller, m, st); callee = sym(callee, m, st)
        if mode == 'callers' and pattern.search(callee): res[(caller, callee)] += sign * v
        if mode == 'callees' and pattern.search(caller): res[(caller, callee)] += sign * v
for (caller, callee), v in sorted(res.items(), key=lambda kv: -kv[1])[:40]:
    if abs(v / n) >= 5: print(f'{v/n:9,.0f}  {caller[:80]:80} -> {callee[:70]}')
