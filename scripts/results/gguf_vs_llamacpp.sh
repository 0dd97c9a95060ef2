#!/usr/bin/env bash
# GPTQ onto llama.cpp's grids against llama-quantize, scored by llama.cpp itself, and KL
# divergence computed by llama-perplexity and by gptqt from the same base files.
# llama.cpp is built outside this repository (the source package llama-cpp-python==0.3.36,
# its vendor/llama.cpp, -DGGML_NATIVE=ON; targets llama-perplexity, llama-quantize, llama-imatrix).
#
#   scripts/results/gguf_vs_llamacpp.sh LLAMA_BIN_DIR WORK_DIR [CHUNKS]
#
# WORK_DIR receives: f32.gguf (the source dequantized by llama-quantize), llama-Q4_0.gguf and
# llama-Q4_0-imatrix.gguf (llama-quantize, embeddings kept Q8_0 like the source's, so that all
# files have the same size), gptqt-Q4_0.gguf (GPTQ onto Q4_0, calibration 128 x 512 of WikiText-2
# validation), the base-logits files of both programs, and one log per run; summary.txt collects
# the figures. THREADS (default 2). Runs whose log or JSON is there are not repeated.
#
# Other models and types: SRC (default SmolLM2's Q4_1 file), TYPES (default "Q4_0 Q5_0"), EMBD
# (the source's token_embd type, default q8_0), CALIB (calibration windows of 512 tokens for both
# llama-imatrix and gptqt, default 128), BASES (default "llama gptqt": whose base files to score against), GPTQT (the binary, default
# build/gptqt). A k-quant in TYPES is written by llama-quantize
# with --pure (every layer the type, not the _S/_M mixes) and by gptqt with --fallback auto, so
# both give layers whose rows are not whole super-blocks llama-quantize's 32-block fallback.
#   SRC=models/gemma-3-270m-q4_k_m.gguf TYPES="Q4_K Q6_K" scripts/results/gguf_vs_llamacpp.sh BIN WORK 20
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$1 work=$2 chunks=${3:-40}
threads=${THREADS:-2}
src=${SRC:-models/SmolLM2-135M-Instruct.Q4_1.gguf}
types=${TYPES:-Q4_0 Q5_0}
embd=${EMBD:-q8_0}
calib_windows=${CALIB:-128}
bases=${BASES:-llama gptqt}
gptqt=${GPTQT:-./build/gptqt}
text=../shared/data/wikitext-2-raw/wiki.test.raw
calib=../shared/data/wikitext-2-raw/wikitext-2-raw-v1.validation.gptq.txt
mkdir -p "$work"
[ -f "$work/f32.gguf" ] || "$bin/llama-quantize" --allow-requantize "$src" "$work/f32.gguf" F32 > "$work/f32.log" 2>&1
[ -f "$work/imatrix.gguf" ] || "$bin/llama-imatrix" -m "$work/f32.gguf" -f "$calib" -c 512 --chunks "$calib_windows" -t "$threads" \
  -o "$work/imatrix.gguf" > "$work/imatrix.log" 2>&1
models="f32"
for t in $types; do
  lq=(--token-embedding-type "$embd") ftype=$t gq=()
  case $t in  # llama-quantize names k-quant files by their mixes; --pure makes the _S mix the plain type
    Q*_K) lq+=(--pure); [ "$t" = Q6_K ] || ftype=${t}_S; gq=(--fallback auto) ;;
  esac
  [ -f "$work/llama-$t.gguf" ] || "$bin/llama-quantize" "${lq[@]}" "$work/f32.gguf" \
    "$work/llama-$t.gguf" "$ftype" > "$work/llama-$t.log" 2>&1
  [ -f "$work/llama-$t-imatrix.gguf" ] || "$bin/llama-quantize" --imatrix "$work/imatrix.gguf" \
    "${lq[@]}" "$work/f32.gguf" "$work/llama-$t-imatrix.gguf" "$ftype" > "$work/llama-$t-imatrix.log" 2>&1
  [ -f "$work/gptqt-$t.gguf" ] || "$gptqt" quantize -m "$src" --method gptq --format "$t" "${gq[@]}" \
    --calib wikitext2-valid --nsamples "$calib_windows" --seqlen 512 --seed 0 -t "$threads" -o "$work/gptqt-$t.gguf" \
    > "$work/gptqt-$t.log" 2>&1
  models+=" llama-$t llama-$t-imatrix gptqt-$t"
done

# The base: llama-perplexity's and gptqt's, from the same values (F32 copy and the Q4_1 source).
[ -f "$work/base.llama.kld" ] || "$bin/llama-perplexity" -m "$work/f32.gguf" -f "$text" -c 512 --chunks "$chunks" \
  -t "$threads" --kl-divergence-base "$work/base.llama.kld" > "$work/base.llama.log" 2>&1
[[ " $bases " != *" gptqt "* ]] || [ -f "$work/base.gptqt.kld" ] || "$gptqt" eval -m "$src" --text "$text" --max-windows "$chunks" -t "$threads" \
  --kld-base "$work/base.gptqt.kld" --json > "$work/base.gptqt.json" 2> "$work/base.gptqt.log"

: > "$work/summary.txt"
for m in $models; do
  f="$work/$m.gguf"
  for base in $bases; do
    [ -f "$work/$m.llama-vs-$base.log" ] || "$bin/llama-perplexity" -m "$f" -t "$threads" --kl-divergence \
      --kl-divergence-base "$work/base.$base.kld" > "$work/$m.llama-vs-$base.log" 2>&1
    # gptqt scores each file twice: in its own fp32 forward pass, and rounding the layers'
    # inputs as llama.cpp does (--ggml-activations), which is what makes the two programs agree.
    for how in gptqt gptqt-ggml; do
      flags=()
      [ "$how" = gptqt ] || flags=(--ggml-activations)
      [ -f "$work/$m.$how-vs-$base.json" ] || "$gptqt" eval -m "$f" --kld "$work/base.$base.kld" "${flags[@]}" \
        -t "$threads" --json > "$work/$m.$how-vs-$base.json" 2> "$work/$m.$how-vs-$base.log"
    done
    l_kld=$(grep -a "Mean    KLD" "$work/$m.llama-vs-$base.log" | awk '{print $3}')
    l_top=$(grep -a "Same top p" "$work/$m.llama-vs-$base.log" | tail -1 | awk '{print $4}')
    l_ppl=$(grep -a "Mean PPL(Q)  " "$work/$m.llama-vs-$base.log" | awk '{print $4}')
    scores() { tail -1 "$1" | python3 -c 'import json,sys; k=json.load(sys.stdin)["kld"]
print("ppl %.4f kld %.6f same_top %.3f" % (k["ppl"], k["kld"], 100*k["same_top"]))'; }
    echo "$m base=$base llama: ppl $l_ppl kld $l_kld same_top $l_top | gptqt: $(scores "$work/$m.gptqt-vs-$base.json")" \
      "| gptqt --ggml-activations: $(scores "$work/$m.gptqt-ggml-vs-$base.json")" >> "$work/summary.txt"
  done
  echo "$m size $(stat -c %s "$f")" >> "$work/summary.txt"
done
cat "$work/summary.txt"
