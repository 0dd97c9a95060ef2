#!/usr/bin/env bash
# llama.cpp's tokenizer test vocabularies into models/vocab/ (git-ignored), for
# tests/text/llama_cpp_vocab_test.cpp: vocabulary-only GGUF files of Llama 3,
# Qwen2, Phi-3, GPT-2, ... with test texts (.inp) and the ids Hugging Face's
# tokenizers give them (.out), from the llama-cpp-python==0.3.36 source package
# (vendor/llama.cpp/models), sha256-checked. Without them those tests show SKIPPED.
#   bash scripts/fetch_vocab_fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
sha=832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e
VOCABS="llama-bpe qwen2 phi-3 gpt-2 llama-spm deepseek-llm deepseek-coder falcon starcoder refact mpt command-r"
out=models/vocab
if [ -f "$out/.complete" ]; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetch_vocab_fixtures: downloading llama-cpp-python==0.3.36 (source, 77 MB)" >&2
if ! python3 -m pip download -q --no-deps --no-binary :all: --dest "$tmp" llama-cpp-python==0.3.36; then
  echo "fetch_vocab_fixtures: pip download failed (is the package index reachable?)" >&2
  exit 1
fi
tarball=$(ls "$tmp"/llama_cpp_python-0.3.36.tar.gz)
got=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ "$got" != "$sha" ]; then
  echo "fetch_vocab_fixtures: sha256 $got, expected $sha" >&2
  exit 1
fi
members=()
for v in $VOCABS; do
  for ext in "" .inp .out; do members+=("llama_cpp_python-0.3.36/vendor/llama.cpp/models/ggml-vocab-$v.gguf$ext"); done
done
tar -xzf "$tarball" -C "$tmp" "${members[@]}"
mkdir -p "$out"
mv "$tmp"/llama_cpp_python-0.3.36/vendor/llama.cpp/models/ggml-vocab-* "$out"/
touch "$out/.complete"
echo "fetch_vocab_fixtures: $out ($(ls "$out" | wc -l) files)" >&2
