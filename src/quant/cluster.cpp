#include "quant/cluster.h"

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "core/error.h"

#ifdef GPTQT_WITH_MPI
#include <mpi.h>
#endif

namespace gptqt::quant {

void Cluster::send(const float*, size_t, int to) const { fail("internal: a send to rank {} in a one-process job", to); }
void Cluster::receive(float*, size_t, int from) const {
  fail("internal: a receive from rank {} in a one-process job", from);
}
void Cluster::abort(int code) const { std::exit(code); }

namespace {

#ifdef GPTQT_WITH_MPI
// Blocking calls in the same order on every rank; MPI's default handler ends the
// job on a communication failure (a rank that died), with mpirun's message.
class MpiCluster : public Cluster {
 public:
  MpiCluster() {
    MPI_Init(nullptr, nullptr);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiCluster() override { MPI_Finalize(); }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  std::vector<std::vector<float>> allgather(const std::vector<float>& mine) const override {
    long long n = (long long)mine.size();
    std::vector<long long> counts(static_cast<size_t>(size_));
    MPI_Allgather(&n, 1, MPI_LONG_LONG, counts.data(), 1, MPI_LONG_LONG, MPI_COMM_WORLD);
    std::vector<std::vector<float>> all(static_cast<size_t>(size_));
    for (int r = 0; r < size_; ++r) {
      all[size_t(r)].resize(size_t(counts[size_t(r)]));
      if (r == rank_) all[size_t(r)] = mine;
      bcast(all[size_t(r)].data(), all[size_t(r)].size() * sizeof(float), r);
    }
    return all;
  }

  void broadcast(std::vector<uint8_t>& data, int root) const override {
    long long n = (long long)data.size();
    MPI_Bcast(&n, 1, MPI_LONG_LONG, root, MPI_COMM_WORLD);
    data.resize(size_t(n));
    bcast(data.data(), data.size(), root);
  }

  void send(const float* data, size_t n, int to) const override {
    for (size_t done = 0; done < n;) {  // MPI counts are ints
      const int part = int(std::min<size_t>(n - done, kMaxCount));
      MPI_Send(data + done, part, MPI_FLOAT, to, 0, MPI_COMM_WORLD);
      done += size_t(part);
    }
  }
  void receive(float* data, size_t n, int from) const override {
    for (size_t done = 0; done < n;) {
      const int part = int(std::min<size_t>(n - done, kMaxCount));
      MPI_Recv(data + done, part, MPI_FLOAT, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      done += size_t(part);
    }
  }
  void barrier() const override { MPI_Barrier(MPI_COMM_WORLD); }
  void abort(int code) const override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::exit(code);
  }

 private:
  static constexpr size_t kMaxCount = size_t(1) << 30;
  void bcast(void* p, size_t bytes, int root) const {
    auto* b = static_cast<uint8_t*>(p);
    for (size_t done = 0; done < bytes;) {
      const int part = int(std::min<size_t>(bytes - done, kMaxCount));
      MPI_Bcast(b + done, part, MPI_BYTE, root, MPI_COMM_WORLD);
      done += size_t(part);
    }
  }
  int rank_ = 0, size_ = 1;
};

// Started by mpirun (Open MPI sets these; other launchers set PMI_SIZE).
bool launched_by_mpirun() { return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE"); }
#endif

std::unique_ptr<Cluster>& instance() {
  static std::unique_ptr<Cluster> c;
  return c;
}

}  // namespace

const Cluster& cluster() {
  std::unique_ptr<Cluster>& c = instance();
  if (!c) {
#ifdef GPTQT_WITH_MPI
    if (launched_by_mpirun()) c = std::make_unique<MpiCluster>();
#endif
    if (!c) c = std::make_unique<Cluster>();
  }
  return *c;
}

bool cluster_started() { return bool(instance()); }

void finish_cluster() { instance().reset(); }

bool cluster_supported() {
#ifdef GPTQT_WITH_MPI
  return true;
#else
  return false;
#endif
}

}  // namespace gptqt::quant
