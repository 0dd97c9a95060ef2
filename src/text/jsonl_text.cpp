#include "text/jsonl_text.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "core/file_read.h"

namespace gptqt {

std::string read_jsonl_text(const std::string& path, const std::string& field, const std::string& separator) {
  std::istringstream f(read_file(path));
  std::string out, line;
  size_t rows = 0;
  for (size_t line_no = 1; std::getline(f, line); ++line_no) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    GPTQT_CHECK(row.is_object(), "{}:{}: not a JSON object", path, line_no);
    auto it = row.find(field);
    GPTQT_CHECK(it != row.end() && it->is_string(), "{}:{}: no string field \"{}\"", path, line_no, field);
    if (rows++ > 0) out += separator;
    out += it->get_ref<const std::string&>();
  }
  GPTQT_CHECK(rows > 0, "{} has no rows", path);
  return out;
}

}  // namespace gptqt
