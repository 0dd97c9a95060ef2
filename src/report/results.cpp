#include "report/results.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/stored_bits.h"

namespace gptqt::report {

Metric parse_metric(const std::string& name) {
  if (name == "ppl") return Metric::ppl;
  if (name == "kld") return Metric::kld;
  fail("--metric {}: ppl or kld", name);
}

const char* metric_name(Metric m) { return m == Metric::ppl ? "PPL" : "KLD"; }

namespace {

// A finite positive number at j[key] (or j[outer][key]); null when absent.
const nlohmann::json* number_at(const nlohmann::json& j, const char* outer, const char* key) {
  const nlohmann::json* o = &j;
  if (outer) {
    if (!j.contains(outer) || !j[outer].is_object()) return nullptr;
    o = &j[outer];
  }
  return o->contains(key) && (*o)[key].is_number() ? &(*o)[key] : nullptr;
}

double metric_of(const nlohmann::json& j, Metric m, const std::string& where) {
  const nlohmann::json* v = m == Metric::ppl ? (number_at(j, nullptr, "ppl") ? number_at(j, nullptr, "ppl")
                                                                             : number_at(j, "kld", "ppl"))
                                             : number_at(j, "kld", "kld");
  GPTQT_CHECK(v, "{}: no {} (\"ppl\", or \"kld\": {{\"ppl\", \"kld\"}} from eval --kld)", where,
              m == Metric::ppl ? "perplexity" : "KL divergence");
  const double x = v->get<double>();
  GPTQT_CHECK(std::isfinite(x) && (m == Metric::kld ? x >= 0 : x > 0), "{}: {} {} is not a {}", where,
              metric_name(m), x, m == Metric::ppl ? "perplexity" : "divergence");
  return x;
}

}  // namespace

std::vector<ResultPoint> read_results(const std::string& series, const std::string& file, Metric metric) {
  std::ifstream in(file);
  GPTQT_CHECK(in, "{}: cannot read", file);
  std::vector<ResultPoint> points;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] != '{') continue;
    const std::string where = fmt::format("{}:{}", file, n);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      fail("{}: not JSON ({})", where, e.what());
    }
    GPTQT_CHECK(j.is_object(), "{}: not a JSON object", where);
    ResultPoint p;
    p.series = series;
    if (series.empty()) {
      GPTQT_CHECK(j.contains("series") && j["series"].is_string() && !j["series"].get<std::string>().empty(),
                  "{}: no \"series\" (name the series on the command line, SERIES=FILE, or in each line)", where);
      p.series = j["series"];
    }
    p.value = metric_of(j, metric, where);
    const std::string model = j.contains("model") && j["model"].is_string() ? j["model"].get<std::string>() : "";
    if (j.contains("label") && j["label"].is_string()) {
      p.label = j["label"];
    } else if (!model.empty()) {
      const std::filesystem::path m(model);
      p.label = (m.extension() == ".gguf" ? m.stem() : m.filename()).string();
    } else {
      p.label = p.series;
    }
    if (p.series != kReferenceSeries) {
      if (const nlohmann::json* b = number_at(j, nullptr, "bpw")) {
        p.bpw = b->get<double>();
      } else {
        GPTQT_CHECK(!model.empty(), "{}: no \"bpw\" and no \"model\" to count the bits of", where);
        try {
          p.bpw = linear_stored_bits(model).per_weight();
        } catch (const Error& e) {
          fail("{}: {}", where, e.what());
        }
      }
      GPTQT_CHECK(std::isfinite(p.bpw) && p.bpw > 0 && p.bpw <= 64, "{}: {} bits per weight", where, p.bpw);
    }
    points.push_back(std::move(p));
  }
  GPTQT_CHECK(!points.empty(), "{}: no JSON result in it", file);
  return points;
}

std::string markdown_table(const std::vector<ResultPoint>& points, Metric metric) {
  std::vector<std::string> order{kReferenceSeries};  // the reference, then the series as given
  for (const ResultPoint& p : points)
    if (std::find(order.begin(), order.end(), p.series) == order.end()) order.push_back(p.series);
  std::vector<ResultPoint> rows = points;
  auto rank = [&](const ResultPoint& p) { return std::find(order.begin(), order.end(), p.series) - order.begin(); };
  std::stable_sort(rows.begin(), rows.end(), [&](const ResultPoint& a, const ResultPoint& b) {
    return rank(a) != rank(b) ? rank(a) < rank(b) : a.bpw < b.bpw;
  });
  const ResultPoint* ref = nullptr;
  for (const ResultPoint& p : rows)
    if (p.series == kReferenceSeries) ref = ref ? ref : &p;
  const bool rise = ref && metric == Metric::ppl;
  std::string t = fmt::format("| series | model | bits per weight | {} |{}\n|---|---|---:|---:|{}\n", metric_name(metric),
                              rise ? " rise over FP |" : "", rise ? "---:|" : "");
  for (const ResultPoint& p : rows) {
    const bool is_ref = p.series == kReferenceSeries;
    t += fmt::format("| {} | {} | {} | {} |", p.series, p.label, is_ref ? "" : fmt::format("{:.3f}", p.bpw),
                     metric == Metric::ppl ? fmt::format("{:.3f}", p.value) : fmt::format("{:.5f}", p.value));
    if (rise) t += is_ref ? " |" : fmt::format(" {:+.1f}% |", 100 * (p.value / ref->value - 1));
    t += "\n";
  }
  return t;
}

}  // namespace gptqt::report
