// Packed linear layers: the input is a weights.safetensors; every prefix that has a
// "<prefix>.shape" or "<prefix>.planes" tensor goes through has_packed_linear,
// read_packed_linear and dequantize(), and a layer that reads back is run once
// (a 1-row and a 2-row batch) through each packed kernel (lut, dequant, f32).
// gptqt::Error is the documented rejection; anything else is a finding.
#include <cstring>
#include <set>

#include "core/error.h"
#include "fuzz_common.h"
#include "io/safetensors.h"
#include "model/packed_linear.h"
#include "model/packed_ops.h"

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

void run_kernels(const gptqt::PackedLinear& q) {
  if (size_t(q.rows) * size_t(q.cols) > (size_t(1) << 20)) return;  // keep an execution short
  std::vector<float> x(size_t(q.cols) * 2), y(size_t(q.rows) * 2);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(int(i % 7) - 3) * 0.25f;
  for (auto k : {gptqt::PackedKernel::lut, gptqt::PackedKernel::dequant, gptqt::PackedKernel::f32}) {
    auto op = gptqt::make_packed_op(q, k);
    fuzz::consume(op->kind());
    fuzz::consume(op->weight_bytes());
    op->forward(x.data(), 1, y.data());
    op->forward(x.data(), 2, y.data());
    fuzz::consume(y);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path =
      fuzz::write_file_in(fuzz::scratch_dir(), "weights.safetensors", fuzz::as_view(data, size));
  try {
    gptqt::SafetensorsFile f(path);
    std::set<std::string> prefixes;
    for (const std::string& name : f.names())
      for (const char* tail : {".shape", ".planes"})
        if (ends_with(name, tail)) prefixes.insert(name.substr(0, name.size() - std::strlen(tail)));
    for (const std::string& prefix : prefixes) {
      fuzz::consume(gptqt::has_packed_linear(f, prefix));
      try {
        gptqt::PackedLinear q = gptqt::read_packed_linear(f, prefix);
        fuzz::consume(q.n_groups());
        fuzz::consume(q.bits_per_weight());
        std::vector<float> w = q.dequantize();
        fuzz::consume(w);
        run_kernels(q);
      } catch (const gptqt::Error& e) {
        fuzz::note("read_packed_linear", e);
      }
    }
  } catch (const gptqt::Error&) {
  }
  return 0;
}
