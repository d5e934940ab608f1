#!/bin/bash
# Instruction counts per message, load-independent (issue 17): the server runs under
# `valgrind --tool=callgrind` twice, for N1 and N2 fixed-count echoes (or broadcast messages)
# from bench/e2e/c/count-echo.c, and the difference of the two totals divided by the extra
# messages is the user-space instruction count of one message (start-up, handshakes and JIT
# warm-up cancel out). Kernel work is not counted by callgrind.
#
#   cc -O2 -o /tmp/count-echo bench/e2e/c/count-echo.c
#   bench/e2e/instructions/count.sh NAME N1 N2 CONNECTIONS [client args] -- server command
#   e.g. bench/e2e/instructions/count.sh wk 5000 25000 1 --payload 512 -- \
#          node --perf-basic-prof dist/bench/e2e/servers/wirekit-echo-server.js --port 0
#   then: python3 bench/e2e/instructions/callgrind-diff.py /tmp/wirekit-count/NAME-N1 /tmp/wirekit-count/NAME-N2 $((N2-N1)) 40
#
# CG=0 runs the server natively instead (its exit line then has CPU user/system µs).
# With --perf-basic-prof the JIT code's addresses are named from /tmp/perf-PID.map.
set -u
out_dir=${COUNT_OUT:-/tmp/wirekit-count}
client=${COUNT_CLIENT:-/tmp/count-echo}
mkdir -p "$out_dir"
one() { # OUT MESSAGES CONNECTIONS [client args...] -- server command...
  local out=$1 msgs=$2 conns=$3; shift 3
  local cargs=()
  while [ "$1" != "--" ]; do cargs+=("$1"); shift; done; shift
  if [ "${CG:-1}" = 1 ]; then
    valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file="$out" \
      --collect-jumps=no "$@" > "$out.stdout" 2> "$out.stderr" &
  else
    "$@" > "$out.stdout" 2> "$out.stderr" &
  fi
  local vpid=$!
  for _ in $(seq 1 6000); do grep -q '"ready"' "$out.stdout" 2>/dev/null && break; sleep 0.2; done
  local port pid
  port=$(grep '"ready"' "$out.stdout" | sed 's/.*"port":\([0-9]*\).*/\1/')
  pid=$(grep '"ready"' "$out.stdout" | sed 's/.*"pid":\([0-9]*\).*/\1/')
  "$client" --port "$port" --connections "$conns" --messages "$msgs" "${cargs[@]}" > "$out.client" \
    || echo "client failed: $out" >&2
  sleep 0.3
  kill -TERM "$pid"
  wait "$vpid"
  if [ -f "/tmp/perf-$pid.map" ]; then mv "/tmp/perf-$pid.map" "$out.map"; fi
}
name=$1 n1=$2 n2=$3 conns=$4; shift 4
one "$out_dir/$name-$n1" "$n1" "$conns" "$@" &
one "$out_dir/$name-$n2" "$n2" "$conns" "$@"
wait
a=$(grep 'I   refs' "$out_dir/$name-$n1.stderr" | tr -d ',' | awk '{print $NF}')
b=$(grep 'I   refs' "$out_dir/$name-$n2.stderr" | tr -d ',' | awk '{print $NF}')
echo "$name: $a $b instructions per message (per delivery with --broadcast): $(( (b - a) / ((n2 - n1) * conns) ))"
