// Text datasets stored as JSON Lines, one {"text": ...} object per line (the
// Hugging Face rows of WikiText-2, the C4 sample).
#pragma once
#include <string>

namespace gptqt {

// The `field` of every row, in file order, joined with `separator`. The default
// "\n\n" is how the GPTQ reference evaluation joins dataset rows before
// tokenizing (WikiText-2's test rows joined so give wikitext-2-raw-v1.test.gptq.txt).
// Blank lines are skipped. Throws Error on a malformed line (with its number), a
// row without the field or with a non-string one, or a file without rows.
std::string read_jsonl_text(const std::string& path, const std::string& field = "text",
                            const std::string& separator = "\n\n");

}  // namespace gptqt
