// One stage of a block (the layers quantized together, method.md §3) in a job of one
// or more processes (quant/cluster.h). Every rank runs its own calibration windows
// (window w on rank w mod N) through the block; after each step (one window per
// rank) the layer inputs of all ranks are added to the Hessian sums in calibration
// order, each rank adding only its panels of every matrix; the panels of an input
// are then brought to the one rank that solves its layers, and the layers it
// quantizes are broadcast. Every sum is thus added window by window in the order of
// the calibration, with the same calls, whatever the number of processes: one
// process and N give the same bits.
#pragma once
#include <functional>
#include <map>
#include <vector>

#include "model/model.h"
#include "quant/cluster.h"
#include "quant/gptq_solver.h"
#include "quant/hessian.h"
#include "quant/pipeline.h"

namespace gptqt::quant {

// An input a Hessian is taken of: the first role of the layers that read it, or the head's.
constexpr int kHeadInput = kNumLinearRoles;

class StageHessians : public LinearInputObserver {
 public:
  StageHessians(std::vector<LinearRole> wanted, const Cluster& cluster) : wanted_(std::move(wanted)), cl_(cluster) {}

  // LinearInputObserver: a copy of each wanted input of this rank's window.
  void observe(int block, std::initializer_list<LinearRole> roles, const float* x, int T, int cols) override;
  // Every wanted role's input seen in this pass: the rest of the block is not needed.
  bool done() const override { return seen_ == wanted_.size(); }
  void new_pass() { seen_ = 0; }
  // An input seen outside a block (the head's final hidden states).
  void capture(int input, const float* x, int T, int cols);
  // Asymmetric calibration (asymmetric.h): the full-precision model's inputs of this
  // window, as `fp` captured them from the full-precision block; exchange() then adds
  // X̃ᵀ(X − X̃) to each input's drift term. One process only.
  void take_references(StageHessians& fp);
  // D = (2/N)·Σ X̃ᵀ(X − X̃) of an input; hands over the storage.
  std::vector<float> take_drift(int input);

  // After every rank has run (at most) one window: all of them into the sums, in rank
  // order, which is calibration order. Every rank calls it the same number of times.
  void exchange();
  // The inputs in the order they were first seen, and the one each role reads.
  const std::vector<int>& inputs() const { return order_; }
  int input_of(LinearRole r) const;
  int cols(int input) const { return acc_.at(input).cols(); }
  long samples(int input) const { return acc_.at(input).samples(); }
  // Brings each input's panels to the rank solver(input); the others let go of theirs.
  void gather(const std::function<int(int input)>& solver);
  // The factor of an input's Hessian (on its solver), made once for the layers sharing it.
  const GptqFactor& factor(int input, const GptqOptions& options);

  double hessian_seconds = 0, exchange_seconds = 0;

 private:
  struct Captured {
    int input, cols;
    std::vector<float> x;
  };
  std::vector<LinearRole> wanted_;
  const Cluster& cl_;
  std::map<int, HessianAccumulator> acc_;
  std::map<LinearRole, int> input_of_;
  std::vector<int> order_;
  std::vector<Captured> captured_, references_;
  std::map<int, std::vector<float>> drift_;  // Σ X̃ᵀ(X − X̃), cols × cols
  std::map<int, GptqFactor> factors_;
  size_t seen_ = 0;
  void add_drift(int input, const Captured& quantized, const Captured& fp);
};

// Which rank solves each input's layers: the costliest first, each to the least
// loaded rank.
std::map<int, int> assign_solvers(const std::vector<int>& inputs, const std::function<double(int input)>& cost,
                                  int ranks);

// Rank `root`'s layer and log row on every rank.
void share_layer(const Cluster& cluster, int root, QuantizedLinear& q, LayerLogRow& row);

}  // namespace gptqt::quant
