// Instruct models as people use them: the user's message wrapped in the model's
// own chat template, and the token that ends the assistant's turn. Templates
// are Jinja programs; rather than run arbitrary Jinja, gptqt recognizes the
// template families it has checked against the reference renderer
// (tests/fixtures/chat/templates.json) and writes their format directly.
#pragma once
#include <string>

namespace gptqt {

enum class ChatFormat {
  chatml,   // <|im_start|>role\n...<|im_end|>\n (Qwen, SmolLM)
  llama3,   // <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|> (Llama 3.x)
  gemma,    // <start_of_turn>user\n...<end_of_turn>\n (Gemma 2/3; no system turn)
  mistral,  // [INST]...[/INST] (Mistral v0.3, Nemo)
  phi,      // <|user|>...<|end|> (Phi-3/3.5 with newlines after the tags, Phi-4-mini without)
};

struct ChatTemplate {
  ChatFormat format = ChatFormat::chatml;
  std::string default_system;  // the system message the template adds when none is given ("" = none)
  std::string end_of_turn;     // the token text that ends a turn ("<|im_end|>")
  bool system_role = true;     // false: the template refuses a system message (Gemma 2)
  bool newline_after_role = true;  // phi: "<|user|>\n" (Phi-3) or "<|user|>" (Phi-4-mini)
  bool spaced_inst = false;        // mistral: "[INST] " (v0.3) or "[INST]" (Nemo)
  // llama3 from 3.1 on: a system turn always, opening with the knowledge cut-off and
  // today's date, which the template takes from the clock or fixes as `fixed_date`.
  bool dated_system = false;
  std::string fixed_date;  // "" = today's
};

// Recognizes a template's family; Error naming the supported ones otherwise.
// `where` names the file the template came from.
ChatTemplate parse_chat_template(const std::string& jinja, const std::string& where);

// The template of a family by name (chatml, llama3, gemma, mistral, phi3, phi4), for
// models whose files carry none; Error naming the known ones otherwise.
ChatTemplate builtin_chat_template(const std::string& name);

// The prompt text for one user message (and an optional system message), ending
// where the assistant's reply starts (add_generation_prompt). BOS is not
// included: the tokenizer adds it when the model asks for one. `today` ("30 Nov
// 2026") is what a dated template prints when it reads the clock.
std::string format_chat(const ChatTemplate& t, const std::string& user, const std::string& system,
                        const std::string& today);

// Today's date as Llama 3.2's template prints it ("%d %b %Y", local time).
std::string chat_date_today();

}  // namespace gptqt
