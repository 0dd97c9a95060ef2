#include "text/chat.h"

#include <ctime>
#include <regex>

#include "core/error.h"

namespace gptqt {

namespace {

// Jinja string literals write a newline as \n; some templates hold a raw newline.
std::string unescape(std::string s) {
  for (size_t p = 0; (p = s.find("\\n", p)) != std::string::npos; ++p) s.replace(p, 2, "\n");
  return s;
}

bool has(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// Jinja's trim: whitespace off both ends.
std::string trim(const std::string& s) {
  const char* ws = " \t\n\r\f\v";
  const size_t a = s.find_first_not_of(ws);
  return a == std::string::npos ? "" : s.substr(a, s.find_last_not_of(ws) - a + 1);
}

}  // namespace

ChatTemplate parse_chat_template(const std::string& jinja, const std::string& where) {
  GPTQT_CHECK(!jinja.empty(), "{}: the model has no chat template (--chat-template NAME names one)", where);
  ChatTemplate t;
  if (has(jinja, "<|im_start|>") && has(jinja, "<|im_end|>")) {
    t.format = ChatFormat::chatml;
    t.end_of_turn = "<|im_end|>";
    // A default system turn is a string literal of its own: '<|im_start|>system\n...<|im_end|>'
    // (SmolLM2: "You are a helpful AI assistant named SmolLM, ..."; Qwen2.5: "You are Qwen, ...").
    static const std::regex default_system(R"('<\|im_start\|>system(?:\\n|\n)([^'{}+]*?)<\|im_end\|>)");
    std::smatch m;
    if (std::regex_search(jinja, m, default_system)) t.default_system = unescape(m[1].str());
  } else if (has(jinja, "<|start_header_id|>") && has(jinja, "<|eot_id|>")) {
    t.format = ChatFormat::llama3;
    t.end_of_turn = "<|eot_id|>";
    t.dated_system = has(jinja, "Cutting Knowledge Date");
    // 3.1 fixes the date; 3.2 and later read the clock (strftime_now) where the renderer has one.
    static const std::regex date(R"re(set date_string = "([^"]+)")re");
    std::smatch m;
    if (!has(jinja, "strftime_now") && std::regex_search(jinja, m, date)) t.fixed_date = m[1].str();
  } else if (has(jinja, "<start_of_turn>") && has(jinja, "<end_of_turn>")) {
    t.format = ChatFormat::gemma;
    t.end_of_turn = "<end_of_turn>";
    t.system_role = !has(jinja, "System role not supported");
  } else if (has(jinja, "[INST]") && has(jinja, "[/INST]")) {
    t.format = ChatFormat::mistral;
    t.end_of_turn = "</s>";
    t.spaced_inst = has(jinja, "\"[INST] \"") || has(jinja, "'[INST] '");
  } else if (has(jinja, "<|end|>") && has(jinja, "<|assistant|>")) {
    t.format = ChatFormat::phi;
    t.end_of_turn = "<|end|>";
    t.newline_after_role = has(jinja, "<|assistant|>\n") || has(jinja, "<|assistant|>\\n");
  } else {
    fail("{}: chat template not recognized (supported: ChatML as Qwen and SmolLM use, Llama 3, Gemma, Mistral "
         "[INST], Phi)", where);
  }
  return t;
}

ChatTemplate builtin_chat_template(const std::string& name) {
  ChatTemplate t;
  if (name == "chatml") {
    t.end_of_turn = "<|im_end|>";
  } else if (name == "llama3") {
    t = {ChatFormat::llama3, "", "<|eot_id|>"};
    t.dated_system = true;
  } else if (name == "gemma") {
    t = {ChatFormat::gemma, "", "<end_of_turn>"};
  } else if (name == "mistral") {
    t = {ChatFormat::mistral, "", "</s>"};
  } else if (name == "phi3" || name == "phi4") {
    t = {ChatFormat::phi, "", "<|end|>"};
    t.newline_after_role = name == "phi3";
  } else {
    fail("unknown chat template \"{}\" (chatml, llama3, gemma, mistral, phi3, phi4)", name);
  }
  return t;
}

std::string format_chat(const ChatTemplate& t, const std::string& user, const std::string& system_message,
                        const std::string& today) {
  const std::string& system = system_message.empty() ? t.default_system : system_message;
  std::string out;
  switch (t.format) {
    case ChatFormat::chatml:
      if (!system.empty()) out += "<|im_start|>system\n" + system + "<|im_end|>\n";
      return out + "<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n";
    case ChatFormat::llama3: {
      const bool system_turn = t.dated_system || !system.empty();
      if (system_turn) {
        out += "<|start_header_id|>system<|end_header_id|>\n\n";
        if (t.dated_system)
          out += "Cutting Knowledge Date: December 2023\nToday Date: " +
                 (t.fixed_date.empty() ? today : t.fixed_date) + "\n\n";
        out += trim(system) + "<|eot_id|>";
      }
      return out + "<|start_header_id|>user<|end_header_id|>\n\n" + trim(user) +
             "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
    }
    case ChatFormat::gemma:
      // Gemma 3 folds the system message into the user's turn; Gemma 2 has none.
      GPTQT_CHECK(system.empty() || t.system_role, "this model's chat template takes no system message");
      return "<start_of_turn>user\n" + (system.empty() ? "" : system + "\n\n") + trim(user) +
             "<end_of_turn>\n<start_of_turn>model\n";
    case ChatFormat::mistral:
      return std::string(t.spaced_inst ? "[INST] " : "[INST]") + (system.empty() ? "" : system + "\n\n") + user +
             "[/INST]";
    case ChatFormat::phi: {
      const std::string nl = t.newline_after_role ? "\n" : "";
      if (!system.empty()) out += "<|system|>" + nl + system + "<|end|>" + nl;
      return out + "<|user|>" + nl + user + "<|end|>" + nl + "<|assistant|>" + nl;
    }
  }
  return out;
}

std::string chat_date_today() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buf[32];
  std::strftime(buf, sizeof buf, "%d %b %Y", &local);
  return buf;
}

}  // namespace gptqt
