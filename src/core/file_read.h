// Reading small whole files (configs, headers, texts, tokenizers). The file is
// opened without blocking and refused unless it is a regular file: a FIFO, a
// device or a folder given where a file belongs gets an Error, never a hang.
#pragma once
#include <cstdint>
#include <string>

namespace gptqt {

// The whole content; Error naming the path when it is missing, not a regular
// file, larger than max_bytes, or unreadable.
std::string read_file(const std::string& path, uint64_t max_bytes = uint64_t(1) << 31);

// Opens `path` read-only without blocking and checks that it is a regular file;
// returns the descriptor (the caller closes it) and its size. Error otherwise.
int open_regular_file(const std::string& path, uint64_t* size);

}  // namespace gptqt
