#!/usr/bin/env bash
# herald bench: builds the benchmarks module (and what it depends on) when needed, then runs the
# end-to-end harness dev.herald.bench.BenchHarness. Options: see docs/benchmarks.md or --help.
# The herald launcher dispatches `./herald bench ...` here.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="$here/target/herald-benchmarks.jar"

java_bin="java"
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java_bin="$JAVA_HOME/bin/java"; fi

needs_build=0
if [ ! -f "$jar" ]; then
  needs_build=1
elif [ -n "$(find "$root" -path "$root/.git" -prune -o -path '*/target' -prune -o \
      \( -name '*.java' -o -name 'pom.xml' -o -name '*.avsc' -o -path '*/src/main/resources/*' \) -newer "$jar" -print -quit)" ]; then
  needs_build=1
fi
if [ "$needs_build" = 1 ] && [ "${HERALD_NO_BUILD:-0}" != 1 ]; then
  echo "herald bench: building the benchmarks module (takes a minute or two) ..." >&2
  if ! (cd "$root" && ./mvnw -B -q -DskipTests -Dspotless.check.skip=true package -pl benchmarks -am \
        >"$root/.herald-bench-build.log" 2>&1); then
    echo "herald bench: the build failed; see $root/.herald-bench-build.log" >&2
    tail -20 "$root/.herald-bench-build.log" >&2
    exit 1
  fi
  rm -f "$root/.herald-bench-build.log"
fi
cd "$root"
# progress of the stages (the simulator logs every 5 s); HERALD_LOG_LEVEL=WARN for the table only
export HERALD_LOG_LEVEL="${HERALD_LOG_LEVEL:-INFO}"
if [ "${1:-}" = entity-churn ]; then
  # bounded entity state under churn (docs/benchmarks.md, "Bounded entity state")
  shift
  exec "$java_bin" ${HERALD_BENCH_JAVA_OPTS:--Xmx3g -XX:+UseParallelGC} -cp "$jar" dev.herald.bench.state.EntityChurn "$@"
fi
if [ "${1:-}" = soak ]; then
  # detection quality, run after run, until one is not exact (docs/benchmarks.md, "Quality soak")
  shift
  exec "$java_bin" ${HERALD_BENCH_JAVA_OPTS:--Xmx6g -XX:+UseParallelGC} -cp "$jar" dev.herald.bench.quality.QualitySoak "$@"
fi
if [ "${1:-}" = jfr ]; then
  # where a thread's time goes in a JFR recording, from whole stacks (docs/benchmarks.md)
  shift
  exec "$java_bin" -Xmx2g -cp "$jar" dev.herald.bench.profile.JfrSummary "$@"
fi
exec "$java_bin" ${HERALD_BENCH_JAVA_OPTS:--Xmx3g -XX:+UseParallelGC} -jar "$jar" "$@"
