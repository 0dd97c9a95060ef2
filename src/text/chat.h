// Instruct models as people use them: the user's message wrapped in the model's
// own chat template, and the token that ends the assistant's turn. Templates
// are Jinja programs; rather than run arbitrary Jinja, gptqt recognizes the
// template families it has checked against the reference renderer
// (tests/fixtures/chat/) and writes their format directly.
#pragma once
#include <string>

namespace gptqt {

enum class ChatFormat { chatml };

struct ChatTemplate {
  ChatFormat format = ChatFormat::chatml;
  std::string default_system;  // the system message the template adds when none is given ("" = none)
  std::string end_of_turn;     // the token text that ends a turn ("<|im_end|>")
};

// Recognizes a template's family; Error naming the supported ones otherwise.
// `where` names the file the template came from.
ChatTemplate parse_chat_template(const std::string& jinja, const std::string& where);

// The prompt text for one user message (and an optional system message), ending
// where the assistant's reply starts (add_generation_prompt). BOS is not
// included: the tokenizer adds it when the model asks for one.
std::string format_chat(const ChatTemplate& t, const std::string& user, const std::string& system = "");

}  // namespace gptqt
