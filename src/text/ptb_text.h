// Penn Treebank (Mikolov's preprocessed ptb.{train,valid,test}.txt) as the GPTQ
// reference evaluates it: the Hugging Face "ptb_text_only" dataset yields each
// line stripped of surrounding whitespace as a sentence, and the evaluation joins
// the sentences with single spaces. "<unk>" and "N" stay as written.
#pragma once
#include <string>

namespace gptqt {

// Throws Error if the file cannot be read or holds no sentence.
std::string read_ptb_text(const std::string& path);

}  // namespace gptqt
