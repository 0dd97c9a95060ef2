#!/bin/bash
# Runs the kernel tests' AVX-512 cases on a CPU without AVX-512: the *_avx512.cpp
# kernels are compiled against SIMDe (apt-get install libsimde-dev), which carries
# out each AVX-512 intrinsic in portable code, and linked in place of the real ones.
# Slow, but it checks the AVX-512 logic where no AVX-512 machine is at hand.
#
#   tests/kernels/avx512_emulation/run.sh [build-dir]   (default: build-kernels)
#
# The build dir must hold libgptqt_kernels.a and libgptqt_core.a
# (cmake --build <dir> --target gptqt_kernels).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=$(cd "$root/${1:-build-kernels}" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
test -f /usr/include/simde/x86/avx512.h || { echo "needs libsimde-dev" >&2; exit 1; }

cxx="g++ -std=gnu++20 -O1 -fopenmp -w -Wno-psabi -I$root/src -I$root/tests"
objs=()
for f in "$root"/src/kernels/*_avx512.cpp "$root"/src/kernels/*_avx512vnni.cpp; do
  o=$out/$(basename "$f" .cpp).o
  $cxx -mavx2 -mfma -mf16c -mbmi2 -I"$here" -c "$f" -o "$o" &
  objs+=("$o")
done
$cxx -c "$here/cpu_features_emulated.cpp" -o "$out/cpu.o" &
objs+=("$out/cpu.o")
# The test files whose cases run once per instruction set (IsaTest, kernel_test_util.h).
for f in $(grep -l '"kernel_test_util.h"' "$root"/tests/kernels/*.cpp) "$root/tests/test_paths.cpp"; do
  o=$out/test_$(basename "$f" .cpp).o
  $cxx -DGPTQT_SOURCE_DIR=\"$root\" -DGPTQT_BINARY=\"\" -c "$f" -o "$o" &
  objs+=("$o")
done
wait
# Objects before the archives: the emulated AVX-512 kernels and CPU features win.
g++ -fopenmp "${objs[@]}" "$build/libgptqt_kernels.a" "$build/libgptqt_core.a" \
  -lgtest_main -lgtest -lfmt -lspdlog -lopenblas -o "$out/test_kernels_avx512_emulated"
"$out/test_kernels_avx512_emulated" --gtest_filter='*avx512*' "${@:2}"
