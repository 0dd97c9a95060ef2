// The calibration's hidden states between blocks (method.md §3): one buffer per
// window, carried from each block to the next. At 128 windows of 2048 tokens an 8B
// model's states are 4.3 GB in fp32; fp16 halves that, at a cost docs/results.md §6
// measures (0.6% of SmolLM2's perplexity: fp32 stays the default).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace gptqt::quant {

enum class StateStorage { fp32, fp16 };
StateStorage parse_state_storage(const std::string& name);  // "fp32" or "fp16"; Error otherwise

class CalibrationStates {
 public:
  CalibrationStates(StateStorage storage, int hidden) : storage_(storage), hidden_(hidden) {}
  // Appends a window of `tokens` × hidden states.
  void add(const std::vector<float>& x, int tokens);
  size_t windows() const { return tokens_.size(); }
  int tokens(size_t s) const { return tokens_[s]; }
  // Window s as fp32 (x is resized to fit).
  void get(size_t s, std::vector<float>& x) const;
  // Replaces window s. fp16 refuses values beyond its range (±65504) with an Error
  // naming the block; there is no silent infinity.
  void set(size_t s, const std::vector<float>& x, int block);
  // Bytes per stored element.
  static size_t element_bytes(StateStorage s) { return s == StateStorage::fp16 ? 2 : 4; }

 private:
  StateStorage storage_;
  int hidden_;
  std::vector<int> tokens_;
  std::vector<std::vector<float>> f32_;
  std::vector<std::vector<uint16_t>> f16_;
};

}  // namespace gptqt::quant
