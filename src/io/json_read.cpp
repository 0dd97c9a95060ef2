#include "io/json_read.h"

#include <cmath>
#include <set>
#include <vector>

#include "core/error.h"
#include "core/file_read.h"

namespace gptqt {

using nlohmann::json;

nlohmann::json parse_json(std::string_view text, const std::string& where) {
  std::vector<std::set<std::string>> keys;  // the keys seen in each open object
  const json::parser_callback_t check = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) keys.emplace_back();
    else if (event == json::parse_event_t::object_end) keys.pop_back();
    else if (event == json::parse_event_t::key && !keys.back().insert(parsed.get<std::string>()).second)
      fail("{}: the key \"{}\" appears twice in one object", where, parsed.get<std::string>());
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), check);
  } catch (const json::exception& e) {
    fail("{}: not valid JSON: {}", where, e.what());
  }
}

nlohmann::json read_json_file(const std::string& path) { return parse_json(read_file(path, uint64_t(1) << 30), path); }

namespace {

// A value as the message quotes it: long values (a whole array) cut short.
std::string quoted(const json& v) {
  std::string s = v.dump();
  return s.size() <= 40 ? s : s.substr(0, 37) + "...";
}

const json* field(const json& j, const char* key, const std::string& where) {
  GPTQT_CHECK(j.is_object(), "{}: expected a JSON object", where);
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

int64_t as_int(const json& v, const char* key, int64_t lo, int64_t hi, const std::string& where) {
  GPTQT_CHECK(v.is_number_integer(), "{}: field \"{}\" must be an integer, not {}", where, key, quoted(v));
  if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
    fail("{}: field \"{}\" = {} is out of range [{}, {}]", where, key, quoted(v), lo, hi);
  const int64_t x = v.get<int64_t>();
  GPTQT_CHECK(x >= lo && x <= hi, "{}: field \"{}\" = {} is out of range [{}, {}]", where, key, x, lo, hi);
  return x;
}

}  // namespace

int64_t json_int(const json& j, const char* key, int64_t lo, int64_t hi, const std::string& where) {
  const json* v = field(j, key, where);
  GPTQT_CHECK(v, "{}: no field \"{}\"", where, key);
  return as_int(*v, key, lo, hi, where);
}

int64_t json_int_or(const json& j, const char* key, int64_t fallback, int64_t lo, int64_t hi,
                    const std::string& where) {
  const json* v = field(j, key, where);
  return v ? as_int(*v, key, lo, hi, where) : fallback;
}

double json_float_or(const json& j, const char* key, double fallback, const std::string& where) {
  const json* v = field(j, key, where);
  if (!v) return fallback;
  GPTQT_CHECK(v->is_number(), "{}: field \"{}\" must be a number, not {}", where, key, quoted(*v));
  const double x = v->get<double>();
  GPTQT_CHECK(std::isfinite(x), "{}: field \"{}\" is not finite", where, key);
  return x;
}

bool json_bool_or(const json& j, const char* key, bool fallback, const std::string& where) {
  const json* v = field(j, key, where);
  if (!v) return fallback;
  GPTQT_CHECK(v->is_boolean(), "{}: field \"{}\" must be true or false, not {}", where, key, quoted(*v));
  return v->get<bool>();
}

std::string json_string_or(const json& j, const char* key, const std::string& fallback, const std::string& where) {
  const json* v = field(j, key, where);
  if (!v) return fallback;
  GPTQT_CHECK(v->is_string(), "{}: field \"{}\" must be a string, not {}", where, key, quoted(*v));
  return v->get<std::string>();
}

}  // namespace gptqt
