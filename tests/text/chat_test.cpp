// Chat templates: gptqt's formatting of each template family against what the
// reference renderer (jinja2 as transformers runs it) makes of real models'
// templates (tests/fixtures/chat/templates.json, scripts/fixtures/make_chat_fixtures.py).
#include "text/chat.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "test_paths.h"

using namespace gptqt;
using namespace gptqt::test;

namespace {

nlohmann::json templates() {
  std::ifstream in(fixtures_dir() + "/chat/templates.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

std::string render(const ChatTemplate& t, const nlohmann::json& c, const std::string& today) {
  try {
    return format_chat(t, c["user"], c["system"], today);
  } catch (const Error& e) {
    return std::string("error: ") + e.what();
  }
}

}  // namespace

TEST(Chat, EveryTemplateFamilyMatchesTheReferenceRenderer) {
  const nlohmann::json models = templates();
  ASSERT_EQ(models.size(), 10u);
  int refused = 0;
  for (const auto& m : models) {
    const ChatTemplate t = parse_chat_template(m["template"], m["model"]);
    for (const auto& c : m["cases"]) {
      if (c.contains("error")) {  // Gemma 2 refuses a system message; so does gptqt
        EXPECT_NE(render(t, c, m["today"]).find("takes no system message"), std::string::npos) << m["model"];
        ++refused;
      } else {
        EXPECT_EQ(render(t, c, m["today"]), c["expected"].get<std::string>()) << m["model"];
      }
    }
  }
  EXPECT_EQ(refused, 2);
}

TEST(Chat, EndOfTurnAndDefaultSystemPerFamily) {
  const std::map<std::string, std::pair<std::string, bool>> expect = {
      {"SmolLM2-135M-Instruct.Q4_1.gguf", {"<|im_end|>", true}},
      {"qwen2.5-coder-0.5b-instruct.gguf", {"<|im_end|>", true}},
      {"Qwen-Qwen3-0.6B", {"<|im_end|>", false}},
      {"meta-llama-Llama-3.1-8B-Instruct", {"<|eot_id|>", false}},
      {"meta-llama-Llama-3.2-3B-Instruct", {"<|eot_id|>", false}},
      {"google-gemma-2-2b-it", {"<end_of_turn>", false}},
      {"google-gemma-3-it", {"<end_of_turn>", false}},
      {"mistralai-Mistral-Nemo-Instruct-2407", {"</s>", false}},
      {"microsoft-Phi-3.5-mini-instruct", {"<|end|>", false}},
      {"microsoft-Phi-4-mini-instruct", {"<|end|>", false}}};
  for (const auto& m : templates()) {
    const ChatTemplate t = parse_chat_template(m["template"], m["model"]);
    const auto& [eot, has_default_system] = expect.at(m["model"]);
    EXPECT_EQ(t.end_of_turn, eot) << m["model"];
    EXPECT_EQ(!t.default_system.empty(), has_default_system) << m["model"];
  }
}

// The built-in templates (for files without one) write what the real ones do.
TEST(Chat, BuiltinTemplatesMatchTheRealOnes) {
  const std::map<std::string, std::string> real = {{"chatml", "Qwen-Qwen3-0.6B"},
                                                   {"llama3", "meta-llama-Llama-3.2-3B-Instruct"},
                                                   {"gemma", "google-gemma-3-it"},
                                                   {"mistral", "mistralai-Mistral-Nemo-Instruct-2407"},
                                                   {"phi3", "microsoft-Phi-3.5-mini-instruct"},
                                                   {"phi4", "microsoft-Phi-4-mini-instruct"}};
  int checked = 0;
  for (const auto& m : templates()) {
    for (const auto& [name, model] : real) {
      if (m["model"] != model) continue;
      const ChatTemplate t = builtin_chat_template(name);
      for (const auto& c : m["cases"]) EXPECT_EQ(render(t, c, m["today"]), c["expected"].get<std::string>()) << name;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 6);
  EXPECT_THROW(builtin_chat_template("vicuna"), Error);
}

TEST(Chat, UnknownTemplatesAreNamed) {
  EXPECT_THROW(parse_chat_template("", "m.gguf"), Error);
  try {
    parse_chat_template("{% for m in messages %}### Human: {{ m.content }}{% endfor %}", "m.gguf");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("chat template not recognized"), std::string::npos) << e.what();
  }
}

TEST(Chat, TodayIsADate) {
  EXPECT_TRUE(std::regex_match(chat_date_today(), std::regex(R"(\d\d [A-Z][a-z][a-z] \d{4})"))) << chat_date_today();
}
