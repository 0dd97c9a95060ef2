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
      "{:.1f} GiB (weights outside the blocks {:.1f}, one block {:.1f}, Hessians {:.1f}, the head's turn {:.1f}, "
      "calibration states {:.1f}, process {:.1f})",
      total() / kGiB, globals / kGiB, block / kGiB, hessians / kGiB, head / kGiB, states / kGiB, base / kGiB);
}

MemoryEstimate estimate_quantize_memory(const ModelConfig& c, const PipelineOptions& o, int nsamples, int seqlen,
                                        bool stream) {
  MemoryEstimate e;
  e.base = kBaseBytes;
  const double embd = double(c.vocab) * c.embed_dim * kFloat;
  // A tied head is a copy of the table; a separate one stays on disk when streamed
  // until the end (then only if it is quantized, when the blocks are gone).
  e.globals = embd * (c.tied_head ? 2 : stream ? 1 : 2);
  if (c.pos == PosKind::learned) e.globals += double(c.max_ctx + c.pos_offset) * c.hidden * kFloat;
  if (c.embed_dim != c.hidden) e.globals += 2.0 * c.embed_dim * c.hidden * kFloat;

  double block = 0, largest = 0;
  for (int r = 0; r < kNumLinearRoles; ++r) {
    if (r == int(LinearRole::gate) && !c.gated()) continue;
    const LinearShape s = linear_shape(c, LinearRole(r));
    block += double(s.rows) * s.cols;
    largest = std::max(largest, double(s.rows) * s.cols);
  }
  // The solver's transposed copy and the dequantized result (fp32), codes twice (bytes).
  // Not streamed, every block is held (and the quantized layers with them).
  e.block = (stream ? 1 : c.n_layers) * block * kFloat + largest * (2 * kFloat + 2) + (stream ? 0 : c.n_layers * block);

  const bool solver = uses_solver(o.method);
  if (solver) {
    // One fp32 matrix per distinct input; with true-sequential a stage's at a time.
    const double qkv = sq(c.hidden), out = sq(c.q_dim()), mlp_in = sq(c.hidden), down = sq(c.ffn);
    e.hessians = kFloat * (o.true_sequential ? std::max({qkv, out, mlp_in, down}) : qkv + out + mlp_in + down);
    const double T = seqlen;
    const double window = T * (4.0 * c.hidden + 2.0 * c.q_dim() + 2.0 * c.kv_dim() + 3.0 * c.ffn) * kFloat +
                          256.0 * T * kFloat;  // activations of one window in the forward pass, attention scores
    e.states = double(nsamples) * T * c.hidden * double(CalibrationStates::element_bytes(o.states)) + window;
  }
  if (o.method.head_bits > 0)  // a separate head is read then; a tied one is counted in globals
    e.head = (c.tied_head || !stream ? 0 : embd) + embd / kFloat * (2 * kFloat + 2) +
             (solver ? sq(c.embed_dim) * kFloat : 0);
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
