#!/usr/bin/env bash
# The main job on its built-in default: set up, then measure SmolLM2's
# perplexity on WikiText-2 test (GPTQ protocol, ctx 2048, first 4 windows).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
./build/gptqt eval --model models/SmolLM2-135M-Instruct.Q4_1.gguf --text wikitext2 --max-windows 4 "$@"
