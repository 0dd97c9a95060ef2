#!/usr/bin/env bash
# Generation and prompt speed of gptqt against llama.cpp on the same model, in one
# run and alternating rounds (the machine is shared: only same-run ratios mean
# anything). llama.cpp is built outside this repository, e.g. from the source
# package llama-cpp-python==0.3.36 (its vendor/llama.cpp), with -DGGML_NATIVE=ON.
#
#   scripts/results/speed_vs_llamacpp.sh LLAMA_BUILD_DIR WORK_DIR OUT [ROUNDS]
#
# MODEL (default SmolLM2-135M-Instruct.Q4_1.gguf) is the source of both tools' files,
# MODEL_NAME (default smollm2) their prefix. WORK_DIR receives llama.cpp's requantized
# files (MODEL_NAME-F32.gguf, -Q4_0, -Q3_K_S, -Q2_K) and gptqt's packed models, made
# for the names in LUT_MODELS: rtnB (linear B-bit g128) and rtnB-head4 (the head
# quantized too, 4-bit in groups of 64); generation speed depends only on bits and
# group size; prompts also on the coding, since linear grids take the int8 GEMM and
# other binary codings dequantized tiles and sgemm. Any other packed model linked
# into WORK_DIR as gptqt-NAME runs with LUT_MODELS="... NAME". OUT receives the raw
# llama-bench and gptqt bench JSON of every round. THREADS (default 2), REPS
# (default 5), N_PROMPT (default 512), N_GEN (default 128) and DEPTHS (llama-bench's -d,
# default 0; e.g. 0,1024) tune the runs; LLAMA_TYPES (default "F32 Q4_0 Q3_K_S Q2_K"),
# LUT_MODELS (default "rtn4 rtn3 rtn2 rtn3-head4"), FP32 (MODEL itself) and DEQUANT
# (default 1; 0 skips those rows) choose what runs, e.g. for a quick depth comparison:
#   LLAMA_TYPES=Q4_0 LUT_MODELS="rtn3 rtn3-head4" FP32=0 DEQUANT=0 DEPTHS=0,1024 N_PROMPT=0 \
#     scripts/results/speed_vs_llamacpp.sh LLAMA_BUILD WORK OUT 3
set -euo pipefail
cd "$(dirname "$0")/../.."
llama=$1 work=$2 out=$3 rounds=${4:-2}
threads=${THREADS:-2} reps=${REPS:-5} ngen=${N_GEN:-128} nprompt=${N_PROMPT:-512} depths=${DEPTHS:-0}
llama_types=${LLAMA_TYPES:-F32 Q4_0 Q3_K_S Q2_K} lut_models=${LUT_MODELS:-rtn4 rtn3 rtn2 rtn3-head4}
model=${MODEL:-models/SmolLM2-135M-Instruct.Q4_1.gguf} name=${MODEL_NAME:-smollm2}
mkdir -p "$work" "$out"

for type in $llama_types; do
  [ -f "$work/$name-$type.gguf" ] ||
    "$llama/bin/llama-quantize" --allow-requantize "$model" "$work/$name-$type.gguf" "$type" > /dev/null 2>&1
done
packed=$lut_models
[ "${DEQUANT:-1}" = 0 ] || packed+=" rtn4 rtn3 rtn2"
for m in $packed; do
  [ -d "$work/gptqt-$m" ] && continue
  [[ $m =~ ^rtn([234])(-head4)?$ ]] || { echo "no $work/gptqt-$m, and no recipe for '$m'" >&2; exit 1; }
  head=()
  [ -z "${BASH_REMATCH[2]}" ] || head=(--head-bits 4 --head-group-size 64)
  ./build/gptqt quantize -m "$model" --method rtn --bits "${BASH_REMATCH[1]}" --group-size 128 "${head[@]}" \
    -o "$work/gptqt-$m" > /dev/null 2>&1
done

llama_models=()
[ "${FP32:-1}" = 0 ] || llama_models+=("$model")
for type in $llama_types; do llama_models+=("$work/$name-$type.gguf"); done
lut_paths=()
for m in $lut_models; do lut_paths+=("$work/gptqt-$m"); done
for r in $(seq "$rounds"); do
  for m in "${llama_models[@]}"; do
    "$llama/bin/llama-bench" -m "$m" -t "$threads" -p "$nprompt" -n "$ngen" -d "$depths" -r "$reps" -o json 2> /dev/null \
      > "$out/llama_${r}_$(basename "$m" .gguf).json"
  done
  bench=(./build/gptqt bench -t "$threads" -n "$ngen" -d "$depths" -r "$reps" --json)
  [ "${FP32:-1}" = 0 ] || "${bench[@]}" -p "$nprompt" -m "$model" > "$out/gptqt_${r}_fp32.json"
  "${bench[@]}" -p "$nprompt" --kernel lut -m "${lut_paths[@]}" > "$out/gptqt_${r}_lut.json"
  [ "${DEQUANT:-1}" = 0 ] || "${bench[@]}" -p 0 --kernel dequant \
    -m "$work/gptqt-rtn4" "$work/gptqt-rtn3" "$work/gptqt-rtn2" > "$out/gptqt_${r}_dequant.json"
done
python3 scripts/results/speed_table.py "$out"
