// Chat templates: gptqt's ChatML formatting against what the reference renderer
// (jinja2 as transformers runs it) makes of real models' templates
// (tests/fixtures/chat/chatml.json, scripts/fixtures/make_chat_fixtures.py).
#include "text/chat.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "test_paths.h"

using namespace gptqt;
using namespace gptqt::test;

TEST(Chat, ChatMlMatchesTheReferenceRenderer) {
  std::ifstream in(fixtures_dir() + "/chat/chatml.json");
  std::stringstream ss;
  ss << in.rdbuf();
  const nlohmann::json models = nlohmann::json::parse(ss.str());
  ASSERT_EQ(models.size(), 2u);  // SmolLM2-135M-Instruct, Qwen2.5-Coder-0.5B-Instruct
  for (const auto& m : models) {
    const ChatTemplate t = parse_chat_template(m["template"], m["model"]);
    EXPECT_EQ(t.end_of_turn, "<|im_end|>");
    EXPECT_FALSE(t.default_system.empty()) << m["model"];
    for (const auto& c : m["cases"])
      EXPECT_EQ(format_chat(t, c["user"], c["system"]), c["expected"].get<std::string>()) << m["model"];
  }
}

TEST(Chat, UnknownTemplatesAreNamed) {
  EXPECT_THROW(parse_chat_template("", "m.gguf"), Error);
  try {
    parse_chat_template("{% for m in messages %}<start_of_turn>{{ m.content }}{% endfor %}", "gemma.gguf");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("chat template not recognized"), std::string::npos) << e.what();
  }
}
