#!/usr/bin/env bash
# Generation and prompt speed of gptqt against llama.cpp on the same model, in one
# run and alternating rounds (the machine is shared: only same-run ratios mean
# anything). llama.cpp is built outside this repository, e.g. from the source
# package llama-cpp-python==0.3.36 (its vendor/llama.cpp), with -DGGML_NATIVE=ON.
#
#   scripts/results/speed_vs_llamacpp.sh LLAMA_BUILD_DIR WORK_DIR OUT [ROUNDS]
#
# WORK_DIR receives llama.cpp's requantized files (F32, Q4_0, Q3_K_S, Q2_K) and
# gptqt's packed models (linear 4/3/2-bit g128, and 3-bit with a 4-bit head: speed
# depends only on bits and group size, not on the method that chose the levels). OUT receives the raw
# llama-bench and gptqt bench JSON of every round. THREADS (default 2), REPS
# (default 5) and N_GEN (default 128) tune the runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
llama=$1 work=$2 out=$3 rounds=${4:-2}
threads=${THREADS:-2} reps=${REPS:-5} ngen=${N_GEN:-128}
model=models/SmolLM2-135M-Instruct.Q4_1.gguf
mkdir -p "$work" "$out"

for type in F32 Q4_0 Q3_K_S Q2_K; do
  [ -f "$work/smollm2-$type.gguf" ] ||
    "$llama/bin/llama-quantize" --allow-requantize "$model" "$work/smollm2-$type.gguf" "$type" > /dev/null 2>&1
done
for bits in 4 3 2; do
  [ -d "$work/gptqt-rtn$bits" ] ||
    ./build/gptqt quantize -m "$model" --method rtn --bits "$bits" --group-size 128 -o "$work/gptqt-rtn$bits" > /dev/null 2>&1
done
[ -d "$work/gptqt-rtn3-head4" ] ||  # the head quantized too (4-bit, groups of 64)
  ./build/gptqt quantize -m "$model" --method rtn --bits 3 --group-size 128 --head-bits 4 --head-group-size 64 \
    -o "$work/gptqt-rtn3-head4" > /dev/null 2>&1

llama_models=("$model")
for type in F32 Q4_0 Q3_K_S Q2_K; do llama_models+=("$work/smollm2-$type.gguf"); done
for r in $(seq "$rounds"); do
  for m in "${llama_models[@]}"; do
    "$llama/bin/llama-bench" -m "$m" -t "$threads" -p 512 -n "$ngen" -r "$reps" -o json 2> /dev/null \
      > "$out/llama_${r}_$(basename "$m" .gguf).json"
  done
  ./build/gptqt bench -t "$threads" -p 512 -n "$ngen" -r "$reps" --json -m "$model" > "$out/gptqt_${r}_fp32.json"
  ./build/gptqt bench -t "$threads" -p 512 -n "$ngen" -r "$reps" --json --kernel lut \
    -m "$work/gptqt-rtn4" "$work/gptqt-rtn3" "$work/gptqt-rtn2" "$work/gptqt-rtn3-head4" > "$out/gptqt_${r}_lut.json"
  ./build/gptqt bench -t "$threads" -p 0 -n "$ngen" -r "$reps" --json --kernel dequant \
    -m "$work/gptqt-rtn4" "$work/gptqt-rtn3" "$work/gptqt-rtn2" > "$out/gptqt_${r}_dequant.json"
done
python3 scripts/results/speed_table.py "$out"
