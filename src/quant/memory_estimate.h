// What `gptqt quantize` will hold in memory at its peak, worked out from the config
// before any work starts, so that a job the machine cannot hold is refused at once
// rather than killed hours in. A streamed model holds one block at a time (model.h).
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>

#include "model/config.h"
#include "quant/pipeline.h"

namespace gptqt::quant {

struct MemoryEstimate {
  // Bytes of each part at the peak: the weights outside the blocks, one block in fp32
  // with the quantizer's copies of its largest layer, the Hessians alive at once, the
  // output head's quantization (after the blocks, instead of them), the calibration
  // states with one window's forward temporaries, and the process itself.
  double globals = 0, block = 0, hessians = 0, head = 0, states = 0, base = 0;
  double total() const { return globals + std::max(block + hessians, head) + states + base; }
  std::string describe() const;  // "5.2 GiB (weights outside the blocks 2.0, one block 0.9, ...)"
};

// nsamples × seqlen: the calibration (0 × 0 without a solver). `stream`: the
// blocks are loaded one at a time (else all are held in fp32).
MemoryEstimate estimate_quantize_memory(const ModelConfig& c, const PipelineOptions& options, int nsamples,
                                        int seqlen, bool stream);

// The memory this machine can give a new job now (MemAvailable), in bytes.
double available_memory_bytes();

// "6G", "6GiB", "512M", "6.5" (GiB when no unit): bytes. Error on anything else.
double parse_memory_size(const std::string& text);

}  // namespace gptqt::quant
