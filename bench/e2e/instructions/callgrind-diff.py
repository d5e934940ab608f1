#!/usr/bin/env python3
"""Self cost per (object, function) from a callgrind out file; diff two files per message."""
import re, sys, collections

def parse(path):
    names = {'ob': {}, 'fl': {}, 'fn': {}}
    cost = collections.Counter()
    ob = fn = '?'
    skip_next = False
    def name(kind, rest):
        m = re.match(r'\((\d+)\)(?:\s(.*))?', rest)
        if m:
            if m.group(2) is not None:
                names[kind][m.group(1)] = m.group(2)
            return names[kind].get(m.group(1), '?')
        return rest
    with open(path, errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            if not line: continue
            c = line[0]
            if c.isdigit() or c in '+-*':
                if skip_next:
                    skip_next = False
                    continue
                parts = line.split()
                if len(parts) >= 2:
                    cost[(ob, fn)] += int(parts[1])
                continue
            if line.startswith('ob='): ob = name('ob', line[3:])
            elif line.startswith('fn='): fn = name('fn', line[3:])
            elif line.startswith(('fl=', 'fi=', 'fe=')): name('fl', line[3:])
            elif line.startswith('cob='): name('ob', line[4:])
            elif line.startswith('cfn='): name('fn', line[4:])
            elif line.startswith(('cfl=', 'cfi=')): name('fl', line[4:])
            elif line.startswith('calls='): skip_next = True
    return cost

GC = re.compile(r'Scaveng|MarkCompact|Sweep|Heap::|heap::|Evacuat|Marking|GCTracer|MemoryAllocator|ConcurrentMarking|IncrementalMarking|MinorMC|LocalHeap|MemoryChunk|PagedSpace|NewSpace|SemiSpace|ArrayBufferSweeper|ArrayBufferList|GlobalHandles|Heap')
def category(ob, fn):
    o = ob.rsplit('/', 1)[-1]
    if o in ('???', '?') or ob.startswith('???'): return 'JS (JIT code)'
    if o.startswith('libc.so') or o.startswith('ld-linux'): return 'libc (malloc, memcpy, syscall stubs)'
    if o.startswith('libstdc++') or o.startswith('libm') or o.startswith('libgcc'): return 'libc (malloc, memcpy, syscall stubs)'
    if o.endswith('.node'): return 'native addon'
    if o.startswith('vgpreload') : return 'valgrind'
    if o in ('node',) or o.startswith('node'):
        if fn.startswith('Builtins_'):
            if re.search(r'Handler$|InterpreterEntry|Baseline|Deopt|CompileLazy', fn): return 'V8 interpreter/builtins'
            return 'V8 interpreter/builtins'
        if fn.startswith('uv_') or fn.startswith('uv__'): return 'libuv'
        if GC.search(fn): return 'V8 GC'
        if fn.startswith('node::'): return 'Node C++ (stream, handle, buffer)'
        if fn.startswith('v8::') or fn.startswith('Builtin') : return 'V8 runtime/API'
        if re.match(r'(SSL|ssl|EVP|evp|aes|AES|gcm|CRYPTO|tls|BIO|bio|OPENSSL|ossl|ERR_|sha|SHA|ChaCha|chacha|poly|x25519|ecp_|bn_|BN_|OBJ_|ASN1|X509|RAND|rand_|OPENSSL)', fn): return 'OpenSSL'
        return 'node binary (other)'
    return 'other: ' + o

import bisect, glob, os
def load_maps(paths):
    entries = []
    for path in paths:
        for line in open(path, errors='replace'):
            parts = line.rstrip('\n').split(' ', 2)
            if len(parts) == 3:
                entries.append((int(parts[0], 16), int(parts[1], 16), parts[2]))
    entries.sort()
    return entries
def symbolize(cost, maps):
    if not maps: return cost
    starts = [e[0] for e in maps]
    out = collections.Counter()
    for (ob, fn), v in cost.items():
        if fn.startswith('0x'):
            addr = int(fn.split("'")[0], 16)
            i = bisect.bisect_right(starts, addr) - 1
            if i >= 0 and addr < maps[i][0] + maps[i][1]:
                fn = maps[i][2]
        out[(ob, fn)] += v
    return out
def main():
    a = parse(sys.argv[1]); b = parse(sys.argv[2]); n = float(sys.argv[3])
    maps_a = load_maps(glob.glob(sys.argv[1] + '.map')); maps_b = load_maps(glob.glob(sys.argv[2] + '.map'))
    a = symbolize(a, maps_a); b = symbolize(b, maps_b)
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 40
    diff = {k: (b.get(k, 0) - a.get(k, 0)) / n for k in set(a) | set(b)}
    cats = collections.Counter()
    for (ob, fn), v in diff.items(): cats[category(ob, fn)] += v
    total = sum(diff.values())
    print(f'total per message: {total:,.0f}')
    for k, v in cats.most_common(): print(f'  {v:10,.0f}  {100*v/total:5.1f}%  {k}')
    print()
    for (ob, fn), v in sorted(diff.items(), key=lambda kv: -kv[1])[:top]:
        print(f'  {v:9,.0f}  {ob.rsplit("/",1)[-1][:14]:14} {fn[:110]}')
main()
