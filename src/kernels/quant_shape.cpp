#include "kernels/quant_shape.h"

#include "core/error.h"

namespace gptqt::kernels {

void QuantShape::check(const char* what, int min_bits, int max_bits) const {
  GPTQT_CHECK(rows > 0 && cols > 0, "{}: shape {}x{} must have positive rows and cols", what,
              rows, cols);
  // Keeps every element index (rows * padded cols * bits) inside int64 and every
  // per-row count inside int.
  GPTQT_CHECK(rows <= (1 << 24) && cols <= (1 << 24), "{}: shape {}x{} is too large", what, rows,
              cols);
  GPTQT_CHECK(bits >= min_bits && bits <= max_bits, "{}: {} bits, expected {} to {}", what, bits,
              min_bits, max_bits);
  GPTQT_CHECK(group_size == -1 || group_size == cols || (group_size > 0 && group_size % kBlockCols == 0),
              "{}: group size {} must be -1, the column count ({}) or a positive multiple of {}",
              what, group_size, cols, kBlockCols);
}

}  // namespace gptqt::kernels
