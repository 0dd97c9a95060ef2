#include "quant/calibration_states.h"

#include <cmath>

#include "core/error.h"
#include "core/half.h"

namespace gptqt::quant {

StateStorage parse_state_storage(const std::string& name) {
  if (name == "fp32") return StateStorage::fp32;
  if (name == "fp16") return StateStorage::fp16;
  fail("unknown calibration state storage \"{}\" (fp32 or fp16)", name);
}

void CalibrationStates::add(const std::vector<float>& x, int tokens) {
  tokens_.push_back(tokens);
  if (storage_ == StateStorage::fp32)
    f32_.emplace_back();
  else
    f16_.emplace_back();
  set(tokens_.size() - 1, x, -1);
}

void CalibrationStates::get(size_t s, std::vector<float>& x) const {
  if (storage_ == StateStorage::fp32) {
    x = f32_[s];
    return;
  }
  const std::vector<uint16_t>& h = f16_[s];
  x.resize(h.size());
  for (size_t i = 0; i < h.size(); ++i) x[i] = f16_to_f32(h[i]);
}

void CalibrationStates::set(size_t s, const std::vector<float>& x, int block) {
  GPTQT_CHECK(x.size() == size_t(tokens_[s]) * size_t(hidden_), "internal: a calibration window of {} values, not {}",
              x.size(), size_t(tokens_[s]) * size_t(hidden_));
  if (storage_ == StateStorage::fp32) {
    f32_[s] = x;
    return;
  }
  std::vector<uint16_t>& h = f16_[s];
  h.resize(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    h[i] = f32_to_f16(x[i]);
    if (!std::isfinite(f16_to_f32(h[i])))
      fail("{}: a calibration hidden state ({:.4g}) is beyond fp16's range; use --states fp32",
           block < 0 ? std::string("the embeddings") : fmt::format("block {}", block), x[i]);
  }
}

}  // namespace gptqt::quant
