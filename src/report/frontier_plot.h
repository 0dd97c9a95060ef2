// The report's plot as a PNG (cairo): the metric against bits per weight, one colour per
// series, a series' points joined in order of bits (or left as points: llama.cpp's types),
// the reference as a dashed line across, the metric on a log scale so that equal rises
// over the reference are equal heights.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "report/results.h"

namespace gptqt::report {

struct PlotOptions {
  std::string title;
  Metric metric = Metric::ppl;
  std::vector<std::string> points_only;  // series drawn as points with their labels, unjoined
  int width = 900, height = 520;  // wider where the legend's names need it
};

// Where the plot puts things, in pixels: the data area and the (bpw, value) -> pixel maps.
class PlotLayout {
 public:
  PlotLayout(const std::vector<ResultPoint>& points, const PlotOptions& o);
  double x(double bpw) const;
  double y(double value) const;
  double left() const { return left_; }
  double right() const { return right_; }
  double top() const { return top_; }
  double bottom() const { return bottom_; }
  double bpw_lo() const { return x0_; }
  double bpw_hi() const { return x1_; }
  double log_lo() const { return y0_; }  // log10 of the metric at the bottom and top
  double log_hi() const { return y1_; }

 private:
  double left_, right_, top_, bottom_, x0_, x1_, y0_, y1_;
};

// Series i's colour, red, green, blue in 0..1 (the series in order of first appearance,
// the reference not counted).
std::array<double, 3> series_colour(int i);

// Error when there is nothing to plot (no point with bits and a positive value) or the
// file cannot be written; the file appears whole or not at all.
void write_frontier_png(const std::vector<ResultPoint>& points, const PlotOptions& o, const std::string& path);

}  // namespace gptqt::report
