// QuantizedLinear (the quantizers' output: codes in original column order)
// <-> PackedLinear (the format's sign planes; act-order groups stored permuted).
#pragma once
#include "model/packed_linear.h"
#include "quant/quantized_linear.h"

namespace gptqt::quant {

PackedLinear to_packed(const QuantizedLinear& q);
QuantizedLinear from_packed(const PackedLinear& p);

}  // namespace gptqt::quant
