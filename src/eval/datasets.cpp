#include "eval/datasets.h"

#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "text/jsonl_text.h"
#include "text/ptb_text.h"
#include "text/text_file.h"

namespace gptqt {

namespace {

enum class Join { whole, ptb, jsonl_space };

struct Named {
  const char* name;
  const char* path;  // under data_dir()
  Join join;
};

const Named kNamed[] = {
    {"wikitext2", "wikitext-2-raw/wikitext-2-raw-v1.test.gptq.txt", Join::whole},
    {"wikitext2-valid", "wikitext-2-raw/wikitext-2-raw-v1.validation.gptq.txt", Join::whole},
    {"ptb", "ptb/ptb.test.txt", Join::ptb},
    {"ptb-valid", "ptb/ptb.valid.txt", Join::ptb},
    {"c4", "c4-sample/c4_sample_200docs.jsonl", Join::jsonl_space},
    {"tinystories", "tinystories-sample/tinystories_train_head.txt", Join::whole},
};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

std::string data_dir() {
  if (const char* e = std::getenv("GPTQT_DATA_DIR")) return e;
  return "../shared/data";
}

std::vector<std::string> named_texts() {
  std::vector<std::string> out;
  for (const Named& n : kNamed) out.push_back(n.name);
  return out;
}

std::string load_text(const std::string& name_or_path, std::string* resolved_path) {
  Join join = Join::whole;
  std::string path = name_or_path;
  for (const Named& n : kNamed)
    if (name_or_path == n.name) {
      path = data_dir() + "/" + n.path;
      join = n.join;
    }
  GPTQT_CHECK(std::filesystem::is_regular_file(path), "text {}: no such file {}", name_or_path, path);
  if (resolved_path) *resolved_path = path;
  std::string text;
  switch (join) {
    case Join::whole: text = ends_with(path, ".jsonl") ? read_jsonl_text(path) : read_text_file(path); break;
    case Join::ptb: text = read_ptb_text(path); break;
    case Join::jsonl_space: text = read_jsonl_text(path, "text", " "); break;
  }
  GPTQT_CHECK(text.find_first_not_of(" \t\r\n") != std::string::npos, "text {} ({}) is empty", name_or_path, path);
  return text;
}

}  // namespace gptqt
