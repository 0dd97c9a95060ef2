// A one-line progress report on stderr: "label  done/total  [extra]  elapsed, ETA".
// Redraws in place on a terminal, prints at most every few seconds otherwise.
#pragma once
#include <chrono>
#include <string>

namespace gptqt {

class Progress {
 public:
  Progress(std::string label, long total, bool enabled = true);
  void update(long done, const std::string& extra = "");
  void finish(const std::string& extra = "", long done = -1);  // done < 0: all of total
  double elapsed_seconds() const;

 private:
  std::string label_;
  long total_;
  bool enabled_, tty_;
  std::chrono::steady_clock::time_point start_, last_print_;
};

}  // namespace gptqt
