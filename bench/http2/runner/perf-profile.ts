/**
 * All of a server process's CPU time by component, from Linux `perf` (`perf record -F 2999 -p
 * PID`, software clock sampling of every thread, kernel included) with V8's perf map
 * (`node --perf-basic-prof`) naming the JIT-compiled JavaScript. V8's own `--cpu-prof` counts
 * native work done in the event loop's poll phase (TLS decryption, nghttp2 parsing what was
 * read) as idle; `perf` does not, so only it can say where an HTTP/2 echo's time goes.
 *
 * @example
 * ```ts
 * await recordPerf(serverPid, 3000, '/tmp/perf.data');
 * const shares = perfShares('/tmp/perf.data'); // { nghttp2: 0.04, 'kernel (…)': 0.41, … }
 * ```
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { spawnTracked } from '../../e2e/runner/child-processes.js';

/** Sample `pid` for `durationMs` into `output`; resolves when perf has written it. */
export function recordPerf(pid: number, durationMs: number, output: string): Promise<void> {
  const seconds = (durationMs / 1000).toFixed(2);
  const child = spawnTracked('perf', [
    'record',
    '-F',
    '2999',
    '-o',
    output,
    '-p',
    String(pid),
    '--',
    'sleep',
    seconds,
  ]);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  child.stdout!.resume();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`perf record failed (${code}): ${stderr}`));
    });
  });
}

/** The component a sampled symbol belongs to. */
export function componentOf(dso: string, symbol: string): string {
  if (dso === '[kernel.kallsyms]') return 'kernel (syscalls, loopback TCP, scheduler)';
  if (dso.startsWith('[JIT]')) {
    if (symbol.includes('/src/core/')) return 'wirekit src/core (JS)';
    if (symbol.includes('/src/node/')) return 'wirekit src/node (JS)';
    if (symbol.includes('node:internal/http2')) return 'node http2 (JS)';
    if (symbol.includes('node:')) return 'node JS other (streams, events, buffer, ticks)';
    return 'JS other';
  }
  if (dso.startsWith('libc')) {
    if (/mem(move|cpy|set)/.test(symbol)) return 'memcpy/memmove (libc)';
    if (/malloc|free|realloc|calloc|tcache/.test(symbol)) return 'malloc/free (libc)';
    return 'libc other';
  }
  if (dso === 'bufferutil.node') return 'bufferutil (unmask)';
  if (dso === 'node') {
    if (symbol.startsWith('nghttp2_')) return 'nghttp2';
    if (symbol.includes('node::http2::')) return 'node http2 C++ (Http2Session/Stream)';
    if (
      symbol.includes('node::crypto::') ||
      /aes|gcm|ghash|EVP_|ossl_|OSSL_|SSL|ssl3|tls1|tls_|CRYPTO_|ERR_|WPACKET|BIO_|OPENSSL|sha\d|bn_/.test(
        symbol,
      )
    )
      return 'TLS (OpenSSL + node TLSWrap)';
    if (/Heap|Scaven|Mark|Sweep|Evacuat|GC|Marking/.test(symbol) && symbol.includes('v8::'))
      return 'V8 GC';
    if (symbol.startsWith('Builtins_') || symbol.includes('v8::')) return 'V8 (builtins, runtime)';
    if (symbol.startsWith('uv_') || symbol.startsWith('uv__')) return 'libuv';
    return 'node C++ other (stream/async wraps, buffers)';
  }
  return dso;
}

/** Shares (0..1) of the samples in `file` by component (JavaScript named through the
 * process's V8 perf map, which must still exist); deletes `file`. */
export function perfShares(file: string): Record<string, number> {
  const text = execFileSync(
    'perf',
    [
      'report',
      '-i',
      file,
      '--stdio',
      '--no-children',
      '--sort',
      'dso,sym',
      '--percent-limit',
      '0',
      '-q',
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  rmSync(file, { force: true });
  const shares: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([\d.]+)%\s+(.+?)\s+\[[.k]\]\s+(.*)$/.exec(line);
    if (match === null) continue;
    const component = componentOf(match[2]!, match[3]!);
    shares[component] = (shares[component] ?? 0) + Number(match[1]) / 100;
  }
  return shares;
}
