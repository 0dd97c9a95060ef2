#!/usr/bin/env bash
# One ctest fuzz test (CMakeLists.txt, fuzz.<harness>): runs <fuzz build>/<harness>_fuzz
# for SECONDS over its seed corpus and fuzz/regressions/<harness>/, and fails on any
# finding (crash, sanitizer report, uncaught exception, leak, timeout > 10 s, > 2 GB).
#   bash fuzz/run_fuzz_test.sh FUZZ_BUILD_DIR HARNESS [SECONDS]
set -euo pipefail
build=${1:?fuzz build folder}
h=${2:?harness name}
secs=${3:-10}
src=$(cd "$(dirname "$0")" && pwd)
bin="$build/${h}_fuzz"
[ -x "$bin" ] || { echo "no harness $bin (was the fuzz project built?)"; exit 1; }
# A fresh working corpus each run (libFuzzer adds what it finds to the first folder).
work="$build/work/$h"
art="$build/artifacts/$h"
rm -rf "$work"
mkdir -p "$work" "$art"
dirs=("$work" "$build/corpus/$h")
[ -d "$src/regressions/$h" ] && dirs+=("$src/regressions/$h")
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
# libFuzzer's own exit codes (77 on a crash, 70 on a timeout) are mapped to 1, so that
# nothing here reads as ctest's "skipped".
set +e
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -jobs=1 -print_final_stats=1 \
  -error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$art/" "${dirs[@]}"
rc=$?
set -e
if [ $rc -ne 0 ]; then
  echo "fuzz.$h: FINDING (exit $rc); the input is in $art/"
  exit 1
fi
echo "fuzz.$h: no finding in ${secs} s"
