// What `gptqt quantize` will hold in memory at its peak, worked out from the config
// before any work starts, so that a job the machine cannot hold is refused at once
// rather than killed hours in. A streamed model (model.h) holds one large part at a
// time, so the peak is the largest of the job's phases.
#pragma once
#include <algorithm>
#include <string>

#include "model/config.h"
#include "quant/pipeline.h"

namespace gptqt::quant {

struct MemoryEstimate {
  // Bytes each phase holds besides the process itself (`base`):
  double embed = 0;   // the embedding table, while the calibration is embedded
  double blocks = 0;  // a block in fp32, the quantizer's copies of its largest layer, its Hessians
  double head = 0;    // the output head's quantization (method.head_bits > 0)
  double write = 0;   // the largest table being written, with one block's quantized layers
  double states = 0;  // the calibration's hidden states and one window's forward temporaries (all but writing)
  double base = 0;
  double total() const { return base + std::max(states + std::max({embed, blocks, head}), write); }
  std::string describe() const;  // "5.2 GiB (blocks 1.8, calibration states 0.1, ...)"
};

// nsamples × seqlen: this process's calibration windows (0 × 0 without a solver).
// `stream`: the model is streamed (else every block and table is held in fp32
// throughout). `ranks`: the processes of a data-parallel run.
MemoryEstimate estimate_quantize_memory(const ModelConfig& c, const PipelineOptions& options, int nsamples,
                                        int seqlen, bool stream, int ranks = 1);

// The memory this machine can give a new job now (MemAvailable), in bytes.
double available_memory_bytes();

// "6G", "6GiB", "512M", "6.5" (GiB when no unit): bytes. Error on anything else.
double parse_memory_size(const std::string& text);

}  // namespace gptqt::quant
