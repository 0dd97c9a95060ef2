#!/usr/bin/env bash
# Quantize a model with several configurations and measure each one's
# perplexity; one JSON line per configuration is appended to OUT.
#
#   scripts/results/sweep.sh MODEL TEXT CTX WINDOWS CALIB NSAMPLES SEQLEN OUT CONFIG...
#
# CONFIG is "fp" (the unquantized model) or method:bits:group[:extra,flags], e.g.
# gptqt:3:128:--inter-bits,5. TEXT may list several texts, each with its own window
# count: "wikitext2,ptb:10,c4:10" (WINDOWS is the default; 0 scores every window).
# THREADS (environment, default 0 = all cores) is passed to every command; KEEP
# (environment, a folder) keeps each quantized model and its log there.
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${THREADS:-0}
model=$1 text=$2 ctx=$3 windows=$4 calib=$5 nsamples=$6 seqlen=$7 out=$8
shift 8
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for cfg in "$@"; do
  eval_model=$model
  bpw=None qsec=None rss=None
  if [ "$cfg" != fp ]; then
    IFS=: read -r method bits group extra <<< "$cfg"
    start=$(date +%s.%N)
    if ! /usr/bin/time -f 'peak RSS %M KiB' ./build/gptqt quantize -t "$threads" -m "$model" --method "$method" --bits "$bits" --group-size "$group" \
      --calib "$calib" --nsamples "$nsamples" --seqlen "$seqlen" ${extra//,/ } -o "$tmp/q" > "$tmp/qlog" 2> "$tmp/qerr"; then
      python3 -c "import json,sys; print(json.dumps({'model':'$model','config':'$cfg','error':sys.argv[1]}))" \
        "$(tail -1 "$tmp/qerr")" | tee -a "$out"
      continue
    fi
    qsec=$(echo "$(date +%s.%N) - $start" | bc)
    rss=$(sed -n 's/^peak RSS \([0-9]*\) KiB$/\1/p' "$tmp/qerr")
    bpw=$(sed -n 's/.*(\([0-9.]*\) bits per quantized weight.*/\1/p' "$tmp/qerr")
    eval_model=$tmp/q
    if [ -n "${KEEP:-}" ]; then
      mkdir -p "$KEEP"
      kept=$KEEP/$(echo "$cfg" | tr ':,' '__')
      rm -rf "$kept" && mv "$tmp/q" "$kept" && cp "$tmp/qerr" "$kept/quantize.log"
      eval_model=$kept
    fi
  fi
  IFS=, read -ra texts <<< "$text"
  for entry in "${texts[@]}"; do
    IFS=: read -r name n <<< "$entry"
    ./build/gptqt eval -t "$threads" -m "$eval_model" --text "$name" --ctx "$ctx" --max-windows "${n:-$windows}" \
      --json 2> /dev/null | tail -1 > "$tmp/eval.json"
    python3 -c "import json,sys; e=json.load(open('$tmp/eval.json')); print(json.dumps({'model':'$model','config':'$cfg',
      'calib':'$calib','nsamples':$nsamples,'seqlen':$seqlen,'bpw':$bpw,'quantize_seconds':$qsec,'peak_rss_kib':$rss,'ppl':e['ppl'],
      'ppl_stderr':e['ppl_stderr'],'text':'$name','ctx':e['ctx'],'windows':e['windows']}))" >> "$out"
    tail -1 "$out"
  done
  rm -rf "$tmp/q"
done
