// Where `gptqt quantize -o OUT` may write, and how (README, "Output path"):
//  - OUT, with trailing slashes dropped, must be absent or a gptqt packed
//    folder (an earlier result); a file or a folder of anything else is refused,
//    never replaced. Its parent folder must exist and be writable.
//  - OUT must not be an input of the same run (the model, the calibration
//    text) nor a folder that holds one.
//  - OUT.work, the resumable state, must be absent or a gptqt work folder.
//  - The result is written into OUT.tmp.<pid> and swapped with OUT in one atomic
//    rename, so OUT is at every instant either the old model or the new one.
//  - Leftovers of a killed run (OUT.tmp.<pid>, OUT.old.<pid> of a process that is
//    gone) are removed by the next run, or renamed back to OUT when OUT is
//    missing; each is reported on stderr.
#pragma once
#include <string>
#include <vector>

namespace gptqt::quant {

// The path as it will be written: trailing slashes dropped; Error for "", "/", ".", "..".
std::string normalize_output_path(const std::string& arg);

// Checks the policy above for OUT (normalized) and the run's input paths
// (files or folders), then deals with leftovers. Error with the reason otherwise.
void prepare_output_folder(const std::string& out, const std::vector<std::string>& inputs);

// Moves the finished folder `tmp` to `out` atomically (see above).
void install_output_folder(const std::string& tmp, const std::string& out);

// The temporary folder this process writes OUT into.
std::string temporary_output_folder(const std::string& out);

// That folder, made empty on construction and removed again unless install() swapped
// it into place as OUT: a failure at any step leaves nothing half-written.
class StagingFolder {
 public:
  explicit StagingFolder(std::string out);
  ~StagingFolder();
  StagingFolder(const StagingFolder&) = delete;
  StagingFolder& operator=(const StagingFolder&) = delete;
  const std::string& path() const { return tmp_; }
  void install();  // install_output_folder(path(), OUT)

 private:
  std::string out_, tmp_;
  bool installed_ = false;
};

}  // namespace gptqt::quant
