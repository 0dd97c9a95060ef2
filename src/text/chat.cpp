#include "text/chat.h"

#include <regex>

#include "core/error.h"

namespace gptqt {

namespace {

// Jinja string literals write a newline as \n; some templates hold a raw newline.
std::string unescape(std::string s) {
  for (size_t p = 0; (p = s.find("\\n", p)) != std::string::npos; ++p) s.replace(p, 2, "\n");
  return s;
}

}  // namespace

ChatTemplate parse_chat_template(const std::string& jinja, const std::string& where) {
  GPTQT_CHECK(!jinja.empty(), "{}: the model has no chat template", where);
  if (jinja.find("<|im_start|>") != std::string::npos && jinja.find("<|im_end|>") != std::string::npos) {
    ChatTemplate t{ChatFormat::chatml, "", "<|im_end|>"};
    // A default system turn is a string literal of its own: '<|im_start|>system\n...<|im_end|>'
    // (SmolLM2: "You are a helpful AI assistant named SmolLM, ..."; Qwen2.5: "You are Qwen, ...").
    static const std::regex default_system(R"('<\|im_start\|>system(?:\\n|\n)([^'{}+]*?)<\|im_end\|>)");
    std::smatch m;
    if (std::regex_search(jinja, m, default_system)) t.default_system = unescape(m[1].str());
    return t;
  }
  fail("{}: chat template not recognized (supported: ChatML, as Qwen and SmolLM use)", where);
}

std::string format_chat(const ChatTemplate& t, const std::string& user, const std::string& system) {
  std::string out;
  const std::string& sys = system.empty() ? t.default_system : system;
  if (!sys.empty()) out += "<|im_start|>system\n" + sys + "<|im_end|>\n";
  out += "<|im_start|>user\n" + user + "<|im_end|>\n";
  out += "<|im_start|>assistant\n";
  return out;
}

}  // namespace gptqt
