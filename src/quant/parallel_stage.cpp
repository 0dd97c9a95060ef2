#include "quant/parallel_stage.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <numeric>

#include "core/error.h"

namespace gptqt::quant {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Plain bytes of a layer and its log row, for the broadcast.
class Bytes {
 public:
  std::vector<uint8_t> data;
  size_t at = 0;
  template <typename T>
  void put(const T& v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    data.insert(data.end(), p, p + sizeof v);
  }
  template <typename T>
  void put(const std::vector<T>& v) {
    put(uint64_t(v.size()));
    const auto* p = reinterpret_cast<const uint8_t*>(v.data());
    data.insert(data.end(), p, p + v.size() * sizeof(T));
  }
  void put(const std::string& s) { put(std::vector<char>(s.begin(), s.end())); }
  template <typename T>
  void get(T& v) {
    GPTQT_CHECK(at + sizeof v <= data.size(), "internal: a short layer broadcast");
    std::memcpy(&v, &data[at], sizeof v);
    at += sizeof v;
  }
  template <typename T>
  void get(std::vector<T>& v) {
    uint64_t n = 0;
    get(n);
    GPTQT_CHECK(at + n * sizeof(T) <= data.size(), "internal: a short layer broadcast");
    v.resize(size_t(n));
    if (n) std::memcpy(v.data(), &data[at], size_t(n) * sizeof(T));
    at += size_t(n) * sizeof(T);
  }
  void get(std::string& s) {
    std::vector<char> c;
    get(c);
    s.assign(c.begin(), c.end());
  }
};

}  // namespace

void StageHessians::observe(int, std::initializer_list<LinearRole> roles, const float* x, int T, int cols) {
  for (LinearRole r : roles) {
    if (std::find(wanted_.begin(), wanted_.end(), r) == wanted_.end()) continue;
    for (LinearRole s : roles) {
      input_of_[s] = int(*roles.begin());
      seen_ += size_t(std::count(wanted_.begin(), wanted_.end(), s));
    }
    capture(int(*roles.begin()), x, T, cols);
    return;  // one sum serves every role that reads this input
  }
}

void StageHessians::capture(int input, const float* x, int T, int cols) {
  if (std::find(order_.begin(), order_.end(), input) == order_.end()) order_.push_back(input);
  captured_.push_back({input, cols, std::vector<float>(x, x + size_t(T) * size_t(cols))});
}

void StageHessians::take_references(StageHessians& fp) {
  GPTQT_CHECK(cl_.size() == 1, "internal: reference inputs in a run of {} processes", cl_.size());
  for (Captured& c : fp.captured_) references_.push_back(std::move(c));
  fp.captured_.clear();
}

std::vector<float> StageHessians::take_drift(int input) {
  auto it = drift_.find(input);
  GPTQT_CHECK(it != drift_.end(), "internal: no drift term was collected for input {}", input);
  std::vector<float> d = std::move(it->second);
  drift_.erase(it);
  const float scale = 2.f / float(samples(input));  // as the Hessian (hessian.h)
  for (float& v : d) v *= scale;
  return d;
}

int StageHessians::input_of(LinearRole r) const {
  auto it = input_of_.find(r);
  GPTQT_CHECK(it != input_of_.end(), "internal: no Hessian was collected for {}", linear_role_name(r));
  return it->second;
}

void StageHessians::add_drift(int input, const Captured& quantized, const Captured& fp) {
  GPTQT_CHECK(fp.x.size() == quantized.x.size(), "internal: the full-precision pass saw {} values of input {}, not {}",
              fp.x.size(), input, quantized.x.size());
  const int n = quantized.cols, T = int(quantized.x.size() / size_t(n));
  std::vector<float> delta(fp.x.size());
  for (size_t i = 0; i < delta.size(); ++i) delta[i] = fp.x[i] - quantized.x[i];
  std::vector<float>& d = drift_[input];
  if (d.empty()) d.assign(size_t(n) * size_t(n), 0.f);
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, T, 1.f, quantized.x.data(), n, delta.data(), n, 1.f,
              d.data(), n);
}

void StageHessians::exchange() {
  for (int input : order_) {
    const auto mine = std::find_if(captured_.begin(), captured_.end(), [&](const Captured& c) { return c.input == input; });
    auto t0 = Clock::now();
    const std::vector<std::vector<float>> all = cl_.allgather(mine == captured_.end() ? std::vector<float>() : mine->x);
    exchange_seconds += since(t0);
    t0 = Clock::now();
    auto it = acc_.find(input);
    if (it == acc_.end()) {  // the first step: every rank has a window, so every rank has the input
      GPTQT_CHECK(mine != captured_.end(), "internal: input {} not seen on rank {}", input, cl_.rank());
      it = acc_.emplace(input, HessianAccumulator(mine->cols)).first;
    }
    const int cols = it->second.cols();
    for (const std::vector<float>& x : all)
      if (!x.empty()) it->second.add(x.data(), long(x.size() / size_t(cols)), cl_.rank(), cl_.size());
    const auto ref = std::find_if(references_.begin(), references_.end(), [&](const Captured& c) { return c.input == input; });
    if (ref != references_.end() && mine != captured_.end()) add_drift(input, *mine, *ref);
    hessian_seconds += since(t0);
  }
  captured_.clear();
  references_.clear();
}

void StageHessians::gather(const std::function<int(int)>& solver) {
  const auto t0 = Clock::now();
  const int me = cl_.rank(), ranks = cl_.size();
  std::vector<float> buf;
  for (int input : order_) {
    const int to = solver(input);
    HessianAccumulator& acc = acc_.at(input);
    const int n = acc.cols();
    for (int p = 0, row0 = 0; row0 < n; ++p, row0 += HessianAccumulator::kPanelRows) {
      const int from = p % ranks;
      if (from == to || (me != from && me != to)) continue;
      const int rows = std::min(row0 + HessianAccumulator::kPanelRows, n) - row0, width = n - row0;
      buf.resize(size_t(rows) * size_t(width));
      float* panel = acc.panel(row0);  // row i of the panel starts at panel + i·n
      if (me == from) {
        for (int i = 0; i < rows; ++i) std::copy_n(panel + size_t(i) * n, width, &buf[size_t(i) * width]);
        cl_.send(buf.data(), buf.size(), to);
      } else {
        cl_.receive(buf.data(), buf.size(), from);
        for (int i = 0; i < rows; ++i) std::copy_n(&buf[size_t(i) * width], width, panel + size_t(i) * n);
      }
    }
  }
  exchange_seconds += since(t0);
}

const GptqFactor& StageHessians::factor(int input, const GptqOptions& o) {
  auto it = factors_.find(input);
  if (it == factors_.end()) {
    HessianAccumulator& acc = acc_.at(input);
    it = factors_.emplace(input, gptq_factor(acc.take_hessian(), acc.cols(), o)).first;
  }
  return it->second;
}

std::map<int, int> assign_solvers(const std::vector<int>& inputs, const std::function<double(int)>& cost, int ranks) {
  std::vector<int> by_cost = inputs;
  std::stable_sort(by_cost.begin(), by_cost.end(), [&](int a, int b) { return cost(a) > cost(b); });
  std::vector<double> load(size_t(ranks), 0.0);
  std::map<int, int> out;
  for (int input : by_cost) {
    const int r = int(std::min_element(load.begin(), load.end()) - load.begin());
    out[input] = r;
    load[size_t(r)] += cost(input);
  }
  return out;
}

void share_layer(const Cluster& cl, int root, QuantizedLinear& q, LayerLogRow& row) {
  if (cl.size() == 1) return;
  Bytes b;
  if (cl.rank() == root) {
    b.put(q.rows), b.put(q.cols), b.put(q.bits), b.put(q.group_size), b.put(q.groups_follow_perm);
    b.put(q.codes), b.put(q.alpha), b.put(q.offset), b.put(q.scale), b.put(q.zero), b.put(q.perm);
    b.put(row.block), b.put(row.layer), b.put(row.loss), b.put(row.damp), b.put(row.seconds);
    b.put(row.fallback_rtn), b.put(row.dead_inputs), b.put(row.samples);
  }
  cl.broadcast(b.data, root);
  if (cl.rank() == root) return;
  b.get(q.rows), b.get(q.cols), b.get(q.bits), b.get(q.group_size), b.get(q.groups_follow_perm);
  b.get(q.codes), b.get(q.alpha), b.get(q.offset), b.get(q.scale), b.get(q.zero), b.get(q.perm);
  b.get(row.block), b.get(row.layer), b.get(row.loss), b.get(row.damp), b.get(row.seconds);
  b.get(row.fallback_rtn), b.get(row.dead_inputs), b.get(row.samples);
}

}  // namespace gptqt::quant
