#include "quant/memory_estimate.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace gptqt::quant {

namespace {

constexpr double kGiB = double(1 << 30);
constexpr double kFloat = 4;
// The process without its data: code, libraries, OpenBLAS's buffers, the tokenizer
// and the calibration text (measured on SmolLM2 with RTN: ~0.2 GiB).
constexpr double kBaseBytes = 0.3 * kGiB;

double sq(double x) { return x * x; }

}  // namespace

std::string MemoryEstimate::describe() const {
  return fmt::format(
      "{:.1f} GiB (the largest phase of: embedding {:.1f}, blocks {:.1f}, head {:.1f}, writing {:.1f}; "
      "calibration states {:.1f} but while writing; the process {:.1f})",
      total() / kGiB, embed / kGiB, blocks / kGiB, head / kGiB, write / kGiB, states / kGiB, base / kGiB);
}

MemoryEstimate estimate_quantize_memory(const ModelConfig& c, const PipelineOptions& o, int nsamples, int seqlen,
                                        bool stream, int ranks) {
  MemoryEstimate e;
  e.base = kBaseBytes;
  const double embd = double(c.vocab) * c.embed_dim;  // weights of the embedding table, and of the head
  double small = 0;                                    // weights outside the blocks that are always held
  if (c.pos == PosKind::learned) small += double(c.max_ctx + c.pos_offset) * c.hidden;
  if (c.embed_dim != c.hidden) small += 2.0 * c.embed_dim * c.hidden;
  double block = 0, largest = 0;
  for (int r = 0; r < kNumLinearRoles; ++r) {
    if (!has_linear(c, LinearRole(r))) continue;
    const LinearShape s = linear_shape(c, LinearRole(r));
    block += double(s.rows) * s.cols;
    largest = std::max(largest, double(s.rows) * s.cols);
  }
  // Held throughout when not streamed: every block in fp32 and quantized (1-byte
  // codes), the table and the head.
  const double resident = kFloat * small + (stream ? 0 : c.n_layers * block * (kFloat + 1) + 2 * embd * kFloat);

  const bool solver = uses_solver(o.method);
  if (solver) {
    const double T = seqlen;
    const double window = T * (4.0 * c.hidden + 2.0 * c.q_dim() + 2.0 * c.kv_dim() + 3.0 * c.ffn) * kFloat +
                          256.0 * T * kFloat;  // one window's activations in the forward pass, attention scores
    // The layer inputs of one step (a window per rank) kept for the Hessians, and this rank's copy.
    const double step = (ranks + 1.0) * T * (2.0 * c.hidden + c.q_dim() + c.ffn) * kFloat;
    // --asymmetric: the full-precision model's states too, and its inputs of one window.
    const double copies = o.method.asymmetric ? 2 : 1;
    e.states = copies * (double(nsamples) * T * c.hidden * double(CalibrationStates::element_bytes(o.states)) + step) +
               window;
  }
  e.embed = resident + (stream ? embd * kFloat : 0);
  // The quantizer's transposed copy and dequantized result (fp32) of a layer, its codes twice.
  const double layer_copies = largest * (2 * kFloat + 2);
  double hessians = 0;
  // One fp32 matrix per distinct input, one more with --refit-scales (H kept for the
  // refit) and with --asymmetric (the drift term); with true-sequential a stage's at a time.
  const double per_input = kFloat * (1 + (o.method.refit_scales ? 1 : 0) + (o.method.asymmetric ? 1 : 0));
  if (solver) {
    const double qkv = sq(c.hidden), out = sq(c.q_dim()), mlp_in = sq(c.hidden), down = sq(c.ffn);
    hessians = per_input * (o.true_sequential ? std::max({qkv, out, mlp_in, down}) : qkv + out + mlp_in + down);
  }
  // --asymmetric keeps the block's fp32 layers beside the quantized ones until it is passed.
  e.blocks = resident + (stream ? block * kFloat : 0) + (o.method.asymmetric ? block * kFloat : 0) + layer_copies +
             hessians;
  if (o.method.head_bits > 0)
    e.head = resident + (stream ? embd * kFloat : 0) + embd * (2 * kFloat + 2) + (solver ? sq(c.embed_dim) * per_input : 0);
  // Writing: one table in fp32 at a time, one block's layers (codes, then sign planes).
  e.write = resident + (stream ? embd * kFloat + block * 2 : 0);
  return e;
}

double available_memory_bytes() {
  std::ifstream f("/proc/meminfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("MemAvailable:", 0) == 0) {
      std::istringstream in(line.substr(13));
      double kib = 0;
      if (in >> kib) return kib * 1024;
    }
  return double(::sysconf(_SC_PHYS_PAGES)) * double(::sysconf(_SC_PAGE_SIZE));
}

double parse_memory_size(const std::string& text) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    fail("--max-memory {}: not a size (e.g. 6G, 512M, 6.5)", text);
  }
  std::string unit = text.substr(used);
  for (char& ch : unit) ch = char(std::toupper(static_cast<unsigned char>(ch)));
  double scale = 0;
  if (unit.empty() || unit == "G" || unit == "GB" || unit == "GIB") scale = kGiB;
  else if (unit == "M" || unit == "MB" || unit == "MIB") scale = kGiB / 1024;
  else if (unit == "T" || unit == "TB" || unit == "TIB") scale = kGiB * 1024;
  GPTQT_CHECK(scale > 0 && v > 0, "--max-memory {}: not a size (e.g. 6G, 512M, 6.5)", text);
  return v * scale;
}

}  // namespace gptqt::quant
