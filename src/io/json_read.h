// JSON read from files (config.json, safetensors headers, index files, the
// packed header, tokenizer.json): syntax errors and duplicate keys are Errors
// naming the file. nlohmann keeps the last of two equal keys silently, so a
// file saying two things about one field would be read as whichever came last.
#pragma once
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace gptqt {

nlohmann::json parse_json(std::string_view text, const std::string& where);
// read_file + parse_json.
nlohmann::json read_json_file(const std::string& path);

// Checked fields of a JSON object: type, range and finiteness, the message
// naming `where` and the key. An integer field must be a JSON integer (3.5 or
// 1e10 is not silently cut to an int); a float field must be a finite number.
int64_t json_int(const nlohmann::json& j, const char* key, int64_t lo, int64_t hi, const std::string& where);
int64_t json_int_or(const nlohmann::json& j, const char* key, int64_t fallback, int64_t lo, int64_t hi,
                    const std::string& where);
double json_float_or(const nlohmann::json& j, const char* key, double fallback, const std::string& where);
bool json_bool_or(const nlohmann::json& j, const char* key, bool fallback, const std::string& where);
std::string json_string_or(const nlohmann::json& j, const char* key, const std::string& fallback,
                           const std::string& where);

}  // namespace gptqt
