#!/usr/bin/env bash
# Starts `./herald demo` cold (a new JVM on a fresh, empty data directory; the build is expected to
# be warm) and measures what a newcomer sees:
#   dashboard-up   seconds from launch until the dashboard page answers HTTP 200
#   first-alert    seconds from launch until the REST API lists the first alert
#   all-types      seconds from launch until every alert type of the run's ground truth is listed
#   peak RSS       the largest sum of the resident sets of the demo's process tree, sampled every
#                  0.5 s, and the sum of the kernel's own high-water marks (VmHWM) of the tree
# Usage: benchmarks/demo-timing.sh [--duration 180s] [--nmt] [-- extra herald demo options]
#   --duration  how long the demo runs (default 180s: one 2-minute round and its alerts)
#   --nmt       also run with -XX:NativeMemoryTracking=summary and print `jcmd VM.native_memory`
#               near the end (where each MiB goes)
# Needs bash, curl and the usual procps/coreutils tools. Run from anywhere; it uses free ports and
# a temporary data directory, so it does not collide with a demo already running.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

duration=180s
nmt=0
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --nmt) nmt=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo-timing: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
secs="${duration%s}"
case "$secs" in ''|*[!0-9]*) echo "demo-timing: --duration takes seconds, e.g. 180s" >&2; exit 2 ;; esac

# Warm build: let the launcher build now if sources changed, outside the measured time.
"$root/herald" --version >/dev/null

work="$(mktemp -d "${TMPDIR:-/tmp}/herald-demo-timing.XXXXXX")"
log="$work/demo.out"
if [ "$nmt" = 1 ]; then
  export HERALD_JAVA_EXTRA_OPTS="${HERALD_JAVA_EXTRA_OPTS:-} -XX:NativeMemoryTracking=summary"
fi

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# the pid and every descendant of it
tree() {
  local pids="$1" frontier="$1" next
  while [ -n "$frontier" ]; do
    next=""
    for p in $frontier; do
      next="$next $(pgrep -P "$p" 2>/dev/null | tr '\n' ' ')"
    done
    frontier="$(echo $next)"
    pids="$pids $frontier"
  done
  echo $pids
}
# the sum of one /proc/PID/status field (VmRSS, VmHWM) over the tree, in KiB
sum_kib() {
  local sum=0 r
  for p in $(tree "$1"); do
    r="$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$p/status" 2>/dev/null || true)"
    sum=$((sum + ${r:-0}))
  done
  echo "$sum"
}

t0="$(now)"
HERALD_NO_BUILD=1 "$root/herald" demo --fresh --data-dir "$work/data" --port 0 --kafka-port 0 \
  --registry-port 0 --duration "$duration" --summary-every 10s "${extra[@]}" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT

url="" dashboard="" first="" all="" peak=0 hwm=0 nmt_done=0
declare -A seen_at=()
deadline=$(( $(date +%s) + secs + 120 ))
while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
  if [ ! -f "$work/cmdline" ] && grep -qa -- '-jar' "/proc/$pid/cmdline" 2>/dev/null; then
    cp "/proc/$pid/cmdline" "$work/cmdline" 2>/dev/null || true
  fi
  r="$(sum_kib "$pid" VmRSS)"
  [ "$r" -gt "$peak" ] && peak="$r"
  h="$(sum_kib "$pid" VmHWM)"
  [ "$h" -gt "$hwm" ] && hwm="$h"
  if [ -z "$url" ]; then
    url="$(grep -o 'http://localhost:[0-9]*/' "$log" | head -1 || true)"
  fi
  if [ -n "$url" ] && [ -z "$dashboard" ] && curl -sf -o /dev/null --max-time 2 "$url"; then
    dashboard="$(elapsed "$t0" "$(now)")"
  fi
  if [ -n "$dashboard" ]; then
    t="$(elapsed "$t0" "$(now)")"
    for type in $(curl -sf --max-time 2 "${url}api/alerts?limit=500" \
        | grep -o '"type":"[A-Z_]*"' | cut -d'"' -f4 | sort -u); do
      [ -z "${seen_at[$type]:-}" ] && seen_at[$type]="$t"
      [ -z "$first" ] && first="$t"
    done
  fi
  if [ "$nmt" = 1 ] && [ "$nmt_done" = 0 ] \
      && [ "$(date +%s)" -ge "$(( ${t0%.*} + secs - 15 ))" ]; then
    jcmd "$pid" VM.native_memory summary >"$work/nmt.txt" 2>&1 || true
    nmt_done=1
  fi
  sleep 0.5
done
wait "$pid" 2>/dev/null || true
trap - EXIT

# every alert type the run's ground truth expects (malformed records and benign duplicates raise
# no alert), and when the last of them was first listed
truth="$work/data/ground-truth.jsonl"
expected="$(grep -o '"type":"[A-Z_]*"' "$truth" 2>/dev/null | cut -d'"' -f4 | sort -u \
  | grep -vx 'MALFORMED_RECORD\|BENIGN_DUPLICATE' || true)"
missing=""
for type in $expected; do
  if [ -z "${seen_at[$type]:-}" ]; then
    missing="$missing $type"
  elif [ -z "$all" ] || awk -v a="${seen_at[$type]}" -v b="$all" 'BEGIN { exit !(a > b) }'; then
    all="${seen_at[$type]}"
  fi
done
[ -n "$missing" ] && all="never (missing:$missing)"

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
mem="$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
jv="$(java -version 2>&1 | head -1)"
echo "machine: $(nproc) cores ($cpu), $mem RAM, $jv"
echo "demo: ./herald demo --fresh, ${secs} s, JVM options: $(tr '\0' ' ' <"$work/cmdline" 2>/dev/null | sed 's/ -jar .*//; s/^[^ ]* //')"
echo "dashboard-up  ${dashboard:-never} s"
echo "first-alert   ${first:-never} s"
echo "all-types     ${all:-never} s ($(echo $expected | wc -w) alert types in the ground truth)"
echo "peak RSS      $((peak / 1024)) MiB sampled (process tree), $((hwm / 1024)) MiB VmHWM"
for type in $expected; do
  printf '  %-22s %s s\n' "$type" "${seen_at[$type]:-never}"
done
if [ "$nmt" = 1 ] && [ -f "$work/nmt.txt" ]; then
  echo "native memory (jcmd VM.native_memory summary, 15 s before the end):"
  grep -E '^(Total|-  *[A-Z][A-Za-z ]*\(reserved)' "$work/nmt.txt" | sed 's/^/  /'
fi
echo "log and data: $work"
