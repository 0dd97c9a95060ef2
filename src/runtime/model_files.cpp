#include "runtime/model_files.h"

#include <filesystem>

#include "model/packed_model.h"
#include "text/tokenizer_load.h"

namespace gptqt {

Tokenizer load_model_tokenizer(const std::string& model_path) {
  if (is_packed_model(model_path) && std::filesystem::exists(model_path + "/tokenizer.gguf"))
    return load_tokenizer(model_path + "/tokenizer.gguf");
  return load_tokenizer(model_path);
}

}  // namespace gptqt
