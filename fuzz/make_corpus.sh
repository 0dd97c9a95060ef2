#!/usr/bin/env bash
# Seed corpora for the fuzz harnesses: bash fuzz/make_corpus.sh OUT_DIR
# (OUT_DIR/<harness>/...; the shared data from $GPTQT_DATA_DIR or ../shared/data).
# The work is in make_corpus.py (Python standard library only).
set -euo pipefail
out=${1:?usage: make_corpus.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out"
mkdir -p "$out"
"${PYTHON:-python3}" "$here/make_corpus.py" "$out" "${GPTQT_DATA_DIR:-}"
