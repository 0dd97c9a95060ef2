// The quality report (gptqt report): results of several runs, each a point of a
// series (a method, or llama.cpp's types), turned into a markdown table and, by
// report/frontier_plot.h, a plot of the metric against bits per weight.
#pragma once
#include <string>
#include <vector>

namespace gptqt::report {

enum class Metric { ppl, kld };
Metric parse_metric(const std::string& name);  // "ppl" or "kld"; Error otherwise
const char* metric_name(Metric m);             // "PPL", "KLD"

// The series whose value is the full-precision reference: no bits, a line across the plot.
inline constexpr char kReferenceSeries[] = "FP";

struct ResultPoint {
  std::string series, label;
  double bpw = 0;  // stored bits per quantized linear weight (none for the reference)
  double value = 0;
};

// Every JSON object line of `file` is a point of `series`, or with `series` empty of the
// line's own "series" (other lines, such as eval's progress, are skipped). An object is a `gptqt eval --json` result or a line written by
// hand or a script, for results measured elsewhere (llama-perplexity's):
//   metric: "ppl", or for eval --kld results kld.ppl / kld.kld (the metric KLD needs these);
//   bits per weight: "bpw", else the stored bits of its "model" (model/stored_bits.h);
//   label: "label", else the model's file name, else the series' name.
// Error naming the file and line for anything unreadable or missing.
std::vector<ResultPoint> read_results(const std::string& series, const std::string& file, Metric metric);

// One row per point: the reference first, then the series in their order, each by bits
// per weight; the rise over the reference where there is one (for PPL as a percentage,
// for KLD none: the reference's KLD is 0 by definition).
std::string markdown_table(const std::vector<ResultPoint>& points, Metric metric);

}  // namespace gptqt::report
