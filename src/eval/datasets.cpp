#include "eval/datasets.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

namespace gptqt {

namespace {

enum class Join { whole, lines_space, jsonl_space, jsonl_blank_line };

struct Named {
  const char* name;
  const char* path;  // under data_dir()
  Join join;
};

const Named kNamed[] = {
    {"wikitext2", "wikitext-2-raw/wikitext-2-raw-v1.test.gptq.txt", Join::whole},
    {"wikitext2-valid", "wikitext-2-raw/wikitext-2-raw-v1.validation.gptq.txt", Join::whole},
    {"ptb", "ptb/ptb.test.txt", Join::lines_space},
    {"ptb-valid", "ptb/ptb.valid.txt", Join::lines_space},
    {"c4", "c4-sample/c4_sample_200docs.jsonl", Join::jsonl_space},
    {"tinystories", "tinystories-sample/tinystories_train_head.txt", Join::whole},
};

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  GPTQT_CHECK(in, "cannot read text file {}", path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string strip(const std::string& s) {
  const char* ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::string join_lines(const std::string& text, const std::string& sep) {
  std::istringstream in(text);
  std::string line, out;
  bool first = true;
  while (std::getline(in, line)) {
    out += (first ? "" : sep) + strip(line);
    first = false;
  }
  return out;
}

std::string join_jsonl(const std::string& text, const std::string& sep, const std::string& path) {
  std::istringstream in(text);
  std::string line, out;
  int n = 0;
  while (std::getline(in, line)) {
    if (strip(line).empty()) continue;
    try {
      out += (n++ ? sep : "") + nlohmann::json::parse(line).at("text").get<std::string>();
    } catch (const nlohmann::json::exception& e) {
      fail("{}: line {} is not a JSON object with a \"text\" string: {}", path, n + 1, e.what());
    }
  }
  return out;
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
  if (join == Join::whole && path.size() > 6 && path.compare(path.size() - 6, 6, ".jsonl") == 0)
    join = Join::jsonl_blank_line;
  GPTQT_CHECK(std::filesystem::is_regular_file(path), "text {}: no such file {}", name_or_path, path);
  std::string raw = read_whole(path), text;
  switch (join) {
    case Join::whole: text = std::move(raw); break;
    case Join::lines_space: text = join_lines(raw, " "); break;
    case Join::jsonl_space: text = join_jsonl(raw, " ", path); break;
    case Join::jsonl_blank_line: text = join_jsonl(raw, "\n\n", path); break;
  }
  GPTQT_CHECK(!strip(text).empty(), "text {} ({}) is empty", name_or_path, path);
  if (resolved_path) *resolved_path = path;
  return text;
}

}  // namespace gptqt
