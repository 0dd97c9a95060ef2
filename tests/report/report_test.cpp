// gptqt report's parts: results read from eval's JSON output (bits per weight from the
// model itself or given), the markdown table with the rise over the reference, and the
// PNG plot read back pixel by pixel where the points must be.
#include <cairo.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <fstream>

#include "core/error.h"
#include "model/stored_bits.h"
#include "report/frontier_plot.h"
#include "report/results.h"
#include "test_paths.h"

namespace gptqt::report {
namespace {

std::string write(const std::string& name, const std::string& text) {
  const std::string path = test::temp_dir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string tiny256() { return test::fixtures_dir() + "/models/tiny-llama-256/model.gguf"; }

TEST(StoredBits, CountsTheLinearLayersAsStored) {
  // F16 linear layers: 16 bits each, whatever the embeddings and norms hold.
  EXPECT_DOUBLE_EQ(linear_stored_bits(tiny256()).per_weight(), 16.0);
  EXPECT_DOUBLE_EQ(linear_stored_bits(tiny256()).weights, 256.0 * 256 * 2 + 128.0 * 256 * 2 + 512.0 * 256 * 3);
  EXPECT_THROW(linear_stored_bits(test::temp_dir() + "/absent.gguf"), Error);
  EXPECT_THROW(linear_stored_bits(test::temp_dir()), Error) << "a folder without a packed header";
}

TEST(Report, ReadsEvalOutputAndHandWrittenLines) {
  // eval --json: progress lines, then the result; the model gives the bits.
  const std::string eval = write("eval.json", "[1]20.1,[2]21.3,\n{\"model\":\"" + tiny256() +
                                                  "\",\"ppl\":25.0,\"windows\":4}\n");
  const std::vector<ResultPoint> a = read_results("GPTQ", eval, Metric::ppl);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].series, "GPTQ");
  EXPECT_EQ(a[0].label, "model");
  EXPECT_DOUBLE_EQ(a[0].bpw, 16.0);
  EXPECT_DOUBLE_EQ(a[0].value, 25.0);
  // Lines of results measured elsewhere; eval --kld's nested object for KLD.
  const std::string lines = write("lines.jsonl",
                                  "{\"label\":\"Q4_0\",\"bpw\":4.5,\"ppl\":26.0}\n"
                                  "{\"label\":\"Q5_0\",\"bpw\":5.5,\"kld\":{\"ppl\":24.5,\"kld\":0.04}}\n");
  const std::vector<ResultPoint> b = read_results("llama.cpp", lines, Metric::ppl);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_DOUBLE_EQ(b[1].value, 24.5);
  EXPECT_DOUBLE_EQ(b[1].bpw, 5.5);
  EXPECT_THROW(read_results("llama.cpp", lines, Metric::kld), Error) << "line 1 has no KLD";
  // The reference needs no bits.
  EXPECT_NO_THROW(read_results(kReferenceSeries, write("fp.json", "{\"label\":\"FP\",\"ppl\":20.0}\n"), Metric::ppl));
}

TEST(Report, RefusesWhatItCannotRead) {
  EXPECT_THROW(read_results("s", write("none.json", "no results here\n"), Metric::ppl), Error);
  EXPECT_THROW(read_results("s", write("bad.json", "{\"ppl\": 3,\n"), Metric::ppl), Error);
  EXPECT_THROW(read_results("s", write("noppl.json", "{\"bpw\": 3, \"label\": \"x\"}\n"), Metric::ppl), Error);
  EXPECT_THROW(read_results("s", write("nobits.json", "{\"ppl\": 3, \"label\": \"x\"}\n"), Metric::ppl), Error);
  EXPECT_THROW(read_results("s", write("neg.json", "{\"ppl\": -3, \"bpw\": 3, \"label\": \"x\"}\n"), Metric::ppl),
               Error);
  EXPECT_THROW(read_results("s", test::temp_dir() + "/absent.json", Metric::ppl), Error);
  EXPECT_THROW(parse_metric("bleu"), Error);
}

std::vector<ResultPoint> sample() {
  return {{"A", "a3", 3.25, 30.0}, {kReferenceSeries, "fp", 0, 20.0}, {"A", "a2", 2.25, 60.0},
          {"B", "b4", 4.5, 25.0}};
}

TEST(Report, TheTableOrdersSeriesAndGivesTheRise) {
  const std::string t = markdown_table(sample(), Metric::ppl);
  EXPECT_EQ(t,
            "| series | model | bits per weight | PPL | rise over FP |\n"
            "|---|---|---:|---:|---:|\n"
            "| FP | fp |  | 20.000 | |\n"
            "| A | a2 | 2.250 | 60.000 | +200.0% |\n"
            "| A | a3 | 3.250 | 30.000 | +50.0% |\n"
            "| B | b4 | 4.500 | 25.000 | +25.0% |\n");
}

TEST(Report, ThePlotDrawsEachPointInItsColourWhereItBelongs) {
  const std::string path = test::temp_dir() + "/plot.png";
  PlotOptions o;
  o.title = "test";
  o.points_only = {"B"};
  const std::vector<ResultPoint> pts = sample();
  write_frontier_png(pts, o, path);
  cairo_surface_t* s = cairo_image_surface_create_from_png(path.c_str());
  ASSERT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
  ASSERT_EQ(cairo_image_surface_get_width(s), o.width) << "short names: no wider than asked";
  ASSERT_EQ(cairo_image_surface_get_height(s), o.height);
  const unsigned char* px = cairo_image_surface_get_data(s);
  const int stride = cairo_image_surface_get_stride(s);
  auto rgb = [&](double x, double y) {  // CAIRO_FORMAT_RGB24/ARGB32: a native-endian 0xAARRGGBB word
    uint32_t v;
    std::memcpy(&v, px + int(std::lround(y)) * stride + 4 * int(std::lround(x)), 4);
    return std::array<int, 3>{int(v >> 16 & 255), int(v >> 8 & 255), int(v & 255)};
  };
  auto near = [](std::array<int, 3> got, std::array<double, 3> want, int tolerance = 2) {
    for (int i = 0; i < 3; ++i)
      if (std::abs(got[size_t(i)] - int(std::lround(want[size_t(i)] * 255))) > tolerance) return false;
    return true;
  };
  auto near_around = [&](double x, double y, std::array<double, 3> want) {  // an antialiased line's core
    for (int dx = -1; dx <= 1; ++dx)
      for (int dy = -1; dy <= 1; ++dy)
        if (near(rgb(x + dx, y + dy), want, 30)) return true;
    return false;
  };
  const PlotLayout L(pts, o);
  // Series A (first) and B (second), each point's centre in its colour.
  EXPECT_TRUE(near(rgb(L.x(2.25), L.y(60.0)), series_colour(0)));
  EXPECT_TRUE(near(rgb(L.x(3.25), L.y(30.0)), series_colour(0)));
  EXPECT_TRUE(near(rgb(L.x(4.5), L.y(25.0)), series_colour(1)));
  // A's line passes midway between its points (in the log scale's pixels); B has none.
  EXPECT_TRUE(near_around((L.x(2.25) + L.x(3.25)) / 2, (L.y(60.0) + L.y(30.0)) / 2, series_colour(0)));
  EXPECT_TRUE(near(rgb((L.x(3.25) + L.x(4.5)) / 2, (L.y(30.0) + L.y(25.0)) / 2), {1, 1, 1}));
  // The reference: dark somewhere along its dashed line, and nothing far from every point.
  bool dark = false;
  for (double x = L.left() + 60; x < L.left() + 80; ++x) dark |= rgb(x, L.y(20.0))[0] < 160;
  EXPECT_TRUE(dark);
  EXPECT_TRUE(near(rgb((L.x(3.25) + L.x(4.5)) / 2, L.y(55.0)), {1, 1, 1}));
  cairo_surface_destroy(s);
  // Nothing to plot: refused, nothing written.
  const std::string none = test::temp_dir() + "/none.png";
  EXPECT_THROW(write_frontier_png({{kReferenceSeries, "fp", 0, 20.0}}, o, none), Error);
  EXPECT_FALSE(std::ifstream(none).good());
}

}  // namespace
}  // namespace gptqt::report
