#include "report/frontier_plot.h"

#include <cairo.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/atomic_file.h"
#include "core/error.h"

namespace gptqt::report {

namespace {

constexpr double kLeft = 80, kRightMargin = 250, kTop = 50, kBottomMargin = 60;

bool plotted(const ResultPoint& p) { return p.series != kReferenceSeries && p.value > 0; }

// The series in order of first appearance, the reference left out.
std::vector<std::string> series_order(const std::vector<ResultPoint>& points) {
  std::vector<std::string> order;
  for (const ResultPoint& p : points)
    if (p.series != kReferenceSeries && std::find(order.begin(), order.end(), p.series) == order.end())
      order.push_back(p.series);
  return order;
}

// Steps of 1, 2 or 5 times a power of ten, at most `most` of them across [lo, hi].
double nice_step(double lo, double hi, int most) {
  const double raw = (hi - lo) / most, p = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

// Tick values of a log axis over [10^lo, 10^hi]: 1, 2, 5 per decade; every integer
// multiple under a decade; plain steps (nice_step) where the range is under a factor of 3.
std::vector<double> log_ticks(double lo, double hi) {
  std::vector<double> t;
  if (hi - lo < std::log10(3.0)) {
    const double a = std::pow(10, lo), b = std::pow(10, hi), step = nice_step(a, b, 6);
    for (double v = std::ceil(a / step) * step; v <= b; v += step) t.push_back(v);
    return t;
  }
  const bool fine = hi - lo < 1;
  for (int e = int(std::floor(lo)) - 1; e <= int(std::ceil(hi)); ++e)
    for (int m = 1; m < 10; ++m) {
      if (!fine && m != 1 && m != 2 && m != 5) continue;
      const double v = m * std::pow(10.0, e), l = std::log10(v);
      if (l >= lo && l <= hi) t.push_back(v);
    }
  return t;
}

std::string format_value(double v) { return v >= 100 ? fmt::format("{:.0f}", v) : fmt::format("{:.4g}", v); }

struct Cairo {
  cairo_surface_t* s;
  cairo_t* cr;
  Cairo(int w, int h) : s(cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h)), cr(cairo_create(s)) {}
  ~Cairo() {
    cairo_destroy(cr);
    cairo_surface_destroy(s);
  }
};

void text(cairo_t* cr, double x, double y, const std::string& s, double align_x, double align_y) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  cairo_move_to(cr, x - align_x * e.width - e.x_bearing, y - align_y * e.height - e.y_bearing);
  cairo_show_text(cr, s.c_str());
}

}  // namespace

PlotLayout::PlotLayout(const std::vector<ResultPoint>& points, const PlotOptions& o)
    : left_(kLeft), right_(o.width - kRightMargin), top_(kTop), bottom_(o.height - kBottomMargin) {
  GPTQT_CHECK(right_ - left_ >= 100 && bottom_ - top_ >= 100, "plot: {}x{} pixels is too small", o.width, o.height);
  double blo = INFINITY, bhi = -INFINITY, vlo = INFINITY, vhi = -INFINITY;
  for (const ResultPoint& p : points) {
    if (p.value <= 0) continue;
    vlo = std::min(vlo, std::log10(p.value)), vhi = std::max(vhi, std::log10(p.value));
    if (plotted(p)) blo = std::min(blo, p.bpw), bhi = std::max(bhi, p.bpw);
  }
  GPTQT_CHECK(blo <= bhi, "plot: no point with bits per weight and a positive {}", metric_name(o.metric));
  if (bhi - blo < 0.5) blo -= 0.25, bhi += 0.25;
  const double bpad = 0.06 * (bhi - blo);
  x0_ = blo - bpad, x1_ = bhi + bpad;
  if (vhi - vlo < 0.02) vlo -= 0.01, vhi += 0.01;
  const double vpad = 0.06 * (vhi - vlo);
  y0_ = vlo - vpad, y1_ = vhi + vpad;
}

double PlotLayout::x(double bpw) const { return left_ + (bpw - x0_) / (x1_ - x0_) * (right_ - left_); }
double PlotLayout::y(double value) const {
  return bottom_ - (std::log10(value) - y0_) / (y1_ - y0_) * (bottom_ - top_);
}

std::array<double, 3> series_colour(int i) {
  // frontier.py's palette (matplotlib's tab10), so the SVG and PNG plots agree.
  static const std::array<std::array<int, 3>, 7> kPalette{
      {{31, 119, 180}, {214, 39, 40}, {44, 160, 44}, {148, 103, 189}, {255, 127, 14}, {140, 86, 75}, {23, 190, 207}}};
  const auto& c = kPalette[size_t(i) % kPalette.size()];
  return {c[0] / 255.0, c[1] / 255.0, c[2] / 255.0};
}

void write_frontier_png(const std::vector<ResultPoint>& points, const PlotOptions& o, const std::string& path) {
  const PlotLayout L(points, o);
  const std::vector<std::string> order = series_order(points);
  // The canvas widens where a series' name would not fit the legend's margin.
  double legend = 0;
  {
    Cairo scratch(1, 1);
    cairo_select_font_face(scratch.cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(scratch.cr, 12);
    for (const std::string& name : order) {
      cairo_text_extents_t e;
      cairo_text_extents(scratch.cr, name.c_str(), &e);
      legend = std::max(legend, e.x_advance);
    }
  }
  const int width = std::max(o.width, int(std::ceil(L.right() + 32 + legend + 12)));
  Cairo c(width, o.height);
  cairo_t* cr = c.cr;
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 12);

  // Grid, ticks and their labels.
  cairo_set_line_width(cr, 1);
  const double xstep = nice_step(L.bpw_lo(), L.bpw_hi(), 8);
  for (double b = std::ceil(L.bpw_lo() / xstep) * xstep; b <= L.bpw_hi(); b += xstep) {
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, L.x(b), L.top()), cairo_line_to(cr, L.x(b), L.bottom()), cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    text(cr, L.x(b), L.bottom() + 8, fmt::format("{:g}", b), 0.5, 0);
  }
  for (double v : log_ticks(L.log_lo(), L.log_hi())) {
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, L.left(), L.y(v)), cairo_line_to(cr, L.right(), L.y(v)), cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    text(cr, L.left() - 8, L.y(v), format_value(v), 1, 0.5);
  }
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_rectangle(cr, L.left(), L.top(), L.right() - L.left(), L.bottom() - L.top());
  cairo_stroke(cr);
  text(cr, (L.left() + L.right()) / 2, o.height - 22, "bits per weight (quantized linear layers, as stored)", 0.5, 0);
  cairo_save(cr);
  cairo_translate(cr, 22, (L.top() + L.bottom()) / 2);
  cairo_rotate(cr, -M_PI / 2);
  text(cr, 0, 0, o.metric == Metric::ppl ? "perplexity (log scale)" : "KL divergence (log scale)", 0.5, 0.5);
  cairo_restore(cr);
  if (!o.title.empty()) {
    cairo_set_font_size(cr, 15);
    text(cr, (L.left() + L.right()) / 2, 18, o.title, 0.5, 0);
    cairo_set_font_size(cr, 12);
  }

  // The reference: a dashed line across.
  cairo_rectangle(cr, L.left(), L.top(), L.right() - L.left(), L.bottom() - L.top());
  cairo_clip(cr);
  for (const ResultPoint& p : points)
    if (p.series == kReferenceSeries && p.value > 0) {
      const double dash[] = {6, 4};
      cairo_set_dash(cr, dash, 2, 0);
      cairo_set_source_rgb(cr, 0, 0, 0);
      cairo_move_to(cr, L.left(), L.y(p.value)), cairo_line_to(cr, L.right(), L.y(p.value)), cairo_stroke(cr);
      cairo_set_dash(cr, nullptr, 0, 0);
      text(cr, L.left() + 6, L.y(p.value) - 4, fmt::format("{} {}", kReferenceSeries, format_value(p.value)), 0, 1);
    }

  // The series: lines in order of bits, then the points over them.
  for (size_t i = 0; i < order.size(); ++i) {
    std::vector<const ResultPoint*> sp;
    for (const ResultPoint& p : points)
      if (p.series == order[i] && plotted(p)) sp.push_back(&p);
    std::sort(sp.begin(), sp.end(), [](const ResultPoint* a, const ResultPoint* b) { return a->bpw < b->bpw; });
    const auto [r, g, b] = series_colour(int(i));
    cairo_set_source_rgb(cr, r, g, b);
    const bool joined =
        std::find(o.points_only.begin(), o.points_only.end(), order[i]) == o.points_only.end();
    if (joined && sp.size() > 1) {
      cairo_set_line_width(cr, 2);
      cairo_move_to(cr, L.x(sp[0]->bpw), L.y(sp[0]->value));
      for (size_t k = 1; k < sp.size(); ++k) cairo_line_to(cr, L.x(sp[k]->bpw), L.y(sp[k]->value));
      cairo_stroke(cr);
    }
    for (const ResultPoint* p : sp) {
      cairo_arc(cr, L.x(p->bpw), L.y(p->value), joined ? 4 : 5, 0, 2 * M_PI);
      cairo_fill(cr);
    }
  }
  cairo_reset_clip(cr);
  // The points' labels, unclipped: right of the point, or left where the plot ends.
  for (size_t i = 0; i < order.size(); ++i) {
    if (std::find(o.points_only.begin(), o.points_only.end(), order[i]) == o.points_only.end()) continue;
    const auto [r, g, b] = series_colour(int(i));
    cairo_set_source_rgb(cr, r, g, b);
    for (const ResultPoint& p : points) {
      if (p.series != order[i] || !plotted(p)) continue;
      cairo_text_extents_t e;
      cairo_text_extents(cr, p.label.c_str(), &e);
      const bool room = L.x(p.bpw) + 8 + e.x_advance <= L.right();
      text(cr, room ? L.x(p.bpw) + 8 : L.x(p.bpw) - 8, L.y(p.value), p.label, room ? 0 : 1, 0.5);
    }
  }

  // The legend, right of the plot.
  for (size_t i = 0; i < order.size(); ++i) {
    const double ly = L.top() + 10 + 22.0 * double(i);
    const auto [r, g, b] = series_colour(int(i));
    cairo_set_source_rgb(cr, r, g, b);
    cairo_arc(cr, L.right() + 20, ly, 5, 0, 2 * M_PI);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(cr, L.right() + 32, ly, order[i], 0, 0.5);
  }

  cairo_surface_flush(c.s);
  GPTQT_CHECK(cairo_status(cr) == CAIRO_STATUS_SUCCESS, "plot: {}", cairo_status_to_string(cairo_status(cr)));
  std::string png;  // the callback must not throw through cairo: the file is written after
  const cairo_status_t st = cairo_surface_write_to_png_stream(
      c.s,
      [](void* out, const unsigned char* data, unsigned int n) {
        static_cast<std::string*>(out)->append(reinterpret_cast<const char*>(data), n);
        return CAIRO_STATUS_SUCCESS;
      },
      &png);
  GPTQT_CHECK(st == CAIRO_STATUS_SUCCESS, "{}: {}", path, cairo_status_to_string(st));
  write_file_atomic(path, png);
}

}  // namespace gptqt::report
