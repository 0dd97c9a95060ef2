// gptqt report: the results of several runs as a markdown table and a PNG plot of
// perplexity (or KL divergence) against bits per weight, one series per method.
#include <fmt/format.h>

#include <algorithm>

#include "commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "report/frontier_plot.h"
#include "report/results.h"

namespace gptqt::cli {

namespace {

struct ReportArgs {
  std::vector<std::string> entries;  // SERIES=FILE
  std::string metric = "ppl", title, markdown, png;
  std::vector<std::string> points;
};

void run_report(const ReportArgs& a) {
  const report::Metric metric = report::parse_metric(a.metric);
  std::vector<report::ResultPoint> points;
  for (const std::string& e : a.entries) {
    const size_t eq = e.find('=');  // SERIES=FILE, or FILE whose lines name their series
    GPTQT_CHECK(eq != 0 && eq + 1 != e.size(), "{}: a result is SERIES=FILE or FILE", e);
    const std::vector<report::ResultPoint> got =
        eq == std::string::npos ? report::read_results("", e, metric)
                                : report::read_results(e.substr(0, eq), e.substr(eq + 1), metric);
    points.insert(points.end(), got.begin(), got.end());
  }
  report::PlotOptions o;
  o.title = a.title;
  o.metric = metric;
  o.points_only = a.points;
  if (o.points_only.empty())  // by default llama.cpp's types are points, each its own file type
    for (const report::ResultPoint& p : points)
      if (p.series.rfind("llama.cpp", 0) == 0 &&
          std::find(o.points_only.begin(), o.points_only.end(), p.series) == o.points_only.end())
        o.points_only.push_back(p.series);
  const std::string table = report::markdown_table(points, metric);
  if (!a.png.empty()) report::write_frontier_png(points, o, a.png);  // refusals before any file is written
  if (a.markdown.empty()) {
    fmt::print("{}", table);
  } else {
    write_file_atomic(a.markdown, table);
  }
  std::vector<std::string> series;
  for (const report::ResultPoint& p : points)
    if (std::find(series.begin(), series.end(), p.series) == series.end()) series.push_back(p.series);
  fmt::print(stderr, "{} results in {} series{}{}\n", points.size(), series.size(),
             a.markdown.empty() ? "" : "; table in " + a.markdown, a.png.empty() ? "" : "; plot in " + a.png);
}

}  // namespace

void register_report(CLI::App& app) {
  auto a = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report", "the results of several runs as a markdown table and a PNG plot of the metric against bits per weight");
  cmd->add_option("results", a->entries,
                  "SERIES=FILE, FILE a `gptqt eval --json` output (the model it names gives the bits per weight) or "
                  "JSON lines {\"ppl\" or \"kld\": {...}, \"bpw\", \"label\"} of results measured elsewhere; or FILE "
                  "alone, its lines naming their \"series\"; the series FP is the full-precision reference")
      ->required();
  cmd->add_option("--metric", a->metric, "ppl, or kld for `eval --kld` results")
      ->check(CLI::IsMember({"ppl", "kld"}))
      ->capture_default_str();
  cmd->add_option("--title", a->title, "the plot's title");
  cmd->add_option("--points", a->points,
                  "series drawn as labelled points, not joined (default: those whose name starts with llama.cpp)");
  cmd->add_option("--out,-o", a->markdown, "the markdown table (default: standard output)");
  cmd->add_option("--png", a->png, "the plot");
  cmd->callback([a] { run_report(*a); });
}

}  // namespace gptqt::cli
