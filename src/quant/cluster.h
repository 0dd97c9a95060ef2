// The processes of a data-parallel quantization (`mpirun -np N gptqt quantize ...`),
// or the one process of an ordinary run. The pipeline talks to the others only
// through this: gathering every rank's calibration activations, moving Hessian
// panels, and broadcasting the quantized layers. Built without Open MPI, or started
// without mpirun, the job is the one process.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace gptqt::quant {

class Cluster {
 public:
  virtual ~Cluster() = default;
  virtual int rank() const { return 0; }
  virtual int size() const { return 1; }
  bool is_root() const { return rank() == 0; }
  // Every rank's `mine` (sizes may differ), in rank order, on every rank.
  virtual std::vector<std::vector<float>> allgather(const std::vector<float>& mine) const { return {mine}; }
  // Rank `root`'s bytes on every rank (resized to fit).
  virtual void broadcast(std::vector<uint8_t>&, int /*root*/) const {}
  // n floats from this rank to `to`, and their receipt there (blocking, in pairs).
  virtual void send(const float* data, size_t n, int to) const;
  virtual void receive(float* data, size_t n, int from) const;
  // Every rank waits for the others.
  virtual void barrier() const {}
  // Ends every process of the job at once (an error on one rank would leave the
  // others waiting for it forever).
  [[noreturn]] virtual void abort(int code) const;
};

// This job's processes: MPI's when started by mpirun and built with Open MPI, else
// the one process. Initialised on first use; finish_cluster() before exit.
const Cluster& cluster();
bool cluster_started();  // cluster() was called
void finish_cluster();
// Whether this build can run data-parallel (compiled with Open MPI).
bool cluster_supported();

}  // namespace gptqt::quant
