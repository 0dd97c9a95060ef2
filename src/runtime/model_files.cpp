#include "runtime/model_files.h"

#include <filesystem>

#include "core/error.h"
#include "io/gguf.h"
#include "io/json_read.h"
#include "model/packed_model.h"
#include "text/tokenizer_load.h"

namespace gptqt {

Tokenizer load_model_tokenizer(const std::string& model_path) {
  if (is_packed_model(model_path) && std::filesystem::exists(model_path + "/tokenizer.gguf"))
    return load_tokenizer(model_path + "/tokenizer.gguf");
  return load_tokenizer(model_path);
}

std::string load_chat_template(const std::string& model_path) {
  namespace fs = std::filesystem;
  // A GGUF file, or the tokenizer.gguf a packed folder made from one carries.
  const std::string gguf = is_packed_model(model_path) ? model_path + "/tokenizer.gguf" : model_path;
  if (fs::is_regular_file(gguf)) {
    const GgufFile f(gguf);
    GPTQT_CHECK(f.has("tokenizer.chat_template"), "{}: no tokenizer.chat_template (--chat-template NAME names one)", gguf);
    return f.get_string("tokenizer.chat_template");
  }
  const std::string config = model_path + "/tokenizer_config.json";
  GPTQT_CHECK(fs::exists(config), "{}: no chat template (no tokenizer_config.json; --chat-template NAME names one)", model_path);
  const nlohmann::json j = read_json_file(config);
  GPTQT_CHECK(j.is_object() && j.contains("chat_template"), "{}: no \"chat_template\"", config);
  const nlohmann::json& t = j["chat_template"];
  if (t.is_string()) return t.get<std::string>();
  GPTQT_CHECK(t.is_array(), "{}: \"chat_template\" is neither a string nor a list", config);
  for (const nlohmann::json& e : t)
    if (e.is_object() && json_string_or(e, "name", "", config) == "default") return json_string_or(e, "template", "", config);
  fail("{}: no \"default\" among the chat templates", config);
}

}  // namespace gptqt
