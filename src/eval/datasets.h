// Evaluation and calibration texts by name, joined the way the GPTQ reference
// evaluation joins them, or any text file by path.
//   wikitext2 / wikitext2-valid: the HF rows joined with "\n\n" (the .gptq.txt files)
//   ptb / ptb-valid:             Mikolov's sentences, stripped, joined with " "
//   c4:                          the 200-document C4 sample, texts joined with " "
//   tinystories:                 the TinyStories train head, as is
// A path ending in .jsonl is read as {"text": ...} rows joined with "\n\n".
#pragma once
#include <string>
#include <vector>

namespace gptqt {

std::string data_dir();  // $GPTQT_DATA_DIR, else ../shared/data
std::vector<std::string> named_texts();
// The text for a name or a path; Error if missing or empty.
std::string load_text(const std::string& name_or_path, std::string* resolved_path = nullptr);

}  // namespace gptqt
