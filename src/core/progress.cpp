#include "core/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace gptqt {

static std::string hms(double s) {
  long t = long(s + 0.5);
  if (t >= 3600) return fmt::format("{}h{:02}m", t / 3600, t / 60 % 60);
  if (t >= 60) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}s", t);
}

Progress::Progress(std::string label, long total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled), tty_(::isatty(2)) {
  start_ = last_print_ = std::chrono::steady_clock::now();
}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(long done, const std::string& extra) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_print_).count();
  if (done < total_ && since < (tty_ ? 0.2 : 5.0)) return;
  last_print_ = now;
  double el = elapsed_seconds();
  double eta = done > 0 ? el * double(total_ - done) / double(done) : 0.0;
  std::string line = fmt::format("{} {}/{} {} {} elapsed, ETA {}", label_, done, total_, extra,
                                 hms(el), done > 0 ? hms(eta) : "?");
  if (tty_)
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
  else
    std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

void Progress::finish(const std::string& extra, long done) {
  if (!enabled_) return;
  std::string line =
      fmt::format("{} {}/{} {} done in {}", label_, done < 0 ? total_ : done, total_, extra, hms(elapsed_seconds()));
  if (tty_)
    std::fprintf(stderr, "\r\033[K%s\n", line.c_str());
  else
    std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace gptqt
