#include "quant/method.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"
#include "io/ggml_pack.h"
#include "quant/bcq_grid.h"
#include "quant/ggml_grid.h"
#include "quant/gptqt_grid.h"
#include "quant/kquant_grid.h"
#include "quant/linear_grid.h"

namespace gptqt::quant {

namespace {

// The types --format writes, by name (Error naming the option for anything else).
GgmlType format_named(const std::string& name, const char* option) {
  for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K,
                     GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K})
    if (name == ggml_type_name(uint32_t(t))) return t;
  fail("{} {}: one of Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K", option, name);
}

// --fallback's type: the one named, or for "auto" llama-quantize's (llama-quant.cpp,
// tensor_type_fallback): Q2_K, Q3_K -> Q4_0; Q4_K -> Q5_0; Q5_K -> Q5_1; Q6_K -> Q8_0.
GgmlType fallback_type(const MethodOptions& m) {
  if (m.format_fallback != "auto") return format_named(m.format_fallback, "--fallback");
  switch (format_named(m.format, "--format")) {
    case GgmlType::Q4_K: return GgmlType::Q5_0;
    case GgmlType::Q5_K: return GgmlType::Q5_1;
    case GgmlType::Q6_K: return GgmlType::Q8_0;
    default: return GgmlType::Q4_0;
  }
}

}  // namespace

void validate(const MethodOptions& m) {
  GPTQT_CHECK(m.method == "rtn" || m.method == "gptq" || m.method == "bcq" || m.method == "gptqt",
              "unknown method \"{}\" (rtn, gptq, bcq, gptqt)", m.method);
  GPTQT_CHECK(m.solver == "auto" || m.solver == "gptq" || m.solver == "none", "unknown solver \"{}\"", m.solver);
  if (!m.format.empty()) {
    const GgmlType t = format_type(m);
    GPTQT_CHECK(m.method == "rtn" || m.method == "gptq", "--format {}: llama.cpp's grids are linear; use --method "
                "gptq (or rtn), not {}", m.format, m.method);
    GPTQT_CHECK(m.bits == ggml_format_bits(t) && m.group_size == ggml_format_group(t),
                "--format {} fixes the bits ({}) and the group size ({})", m.format, ggml_format_bits(t),
                ggml_format_group(t));
    if (!m.format_fallback.empty()) {
      GPTQT_CHECK(is_ggml_kquant_type(t), "--fallback: {}'s blocks of 32 need no fallback", m.format);
      GPTQT_CHECK(!is_ggml_kquant_type(fallback_type(m)), "--fallback {}: a k-quant cannot stand in for {} (its "
                  "rows need the same 256-weight super-blocks)", m.format_fallback, m.format);
    }
    GPTQT_CHECK(!m.rotate, "--format {}: llama.cpp cannot undo --rotate's rotations", m.format);
    GPTQT_CHECK(!m.symmetric, "--format {} sets the grid; drop --symmetric", m.format);
    GPTQT_CHECK(!m.refit_scales, "--format {}: --refit-scales would move the scales off fp16", m.format);
    GPTQT_CHECK(m.head_bits == 0, "--format {}: the head (and embeddings) are kept as the source has them; "
                "drop --head-bits", m.format);
    GPTQT_CHECK(!m.act_order || m.static_groups, "--format {}: act-order needs --static-groups (the blocks are "
                "runs of 32 columns in the file's order)", m.format);
  } else {
    GPTQT_CHECK(m.format_fallback.empty(), "--fallback needs --format");
    GPTQT_CHECK(m.bits >= 1 && m.bits <= 4, "--bits {}: the packed format holds 1 to 4 bits", m.bits);
    GPTQT_CHECK(m.group_size == -1 || (m.group_size >= 32 && m.group_size % 32 == 0),
                "--group-size {}: use -1 (whole rows) or a multiple of 32", m.group_size);
  }
  GPTQT_CHECK(m.damp > 0 && m.damp < 10, "--damp {} is out of range (0, 10)", m.damp);
  GPTQT_CHECK(m.method != "gptqt" || (resolved_inter_bits(m) > m.bits && resolved_inter_bits(m) <= 8),
              "--inter-bits {} must lie in {}..8", m.inter_bits, m.bits + 1);
  GPTQT_CHECK(m.rounding == "two" || m.rounding == "one", "--rounding {}: two or one", m.rounding);
  GPTQT_CHECK(m.search == "auto" || m.search == "fast" || m.search == "exhaustive" || m.search == "alternating",
              "--search {}: auto, fast, exhaustive or alternating", m.search);
  GPTQT_CHECK(m.method != "gptqt" || m.bits <= 3 || resolved_search(m) == "alternating",
              "--search {}: the exact critical-point searches cover up to 3 bits; use alternating", m.search);
  GPTQT_CHECK(m.weighting == "hdiag" || m.weighting == "plain", "--weighting {}: hdiag or plain", m.weighting);
  if (m.method == "gptqt") {
    try {
      range_grid(m.p_from, m.p_to, m.p_step);
    } catch (const Error& e) {
      fail("--p-from/--p-to/--p-step: {}", e.what());
    }
  }
  GPTQT_CHECK(!(m.static_groups && m.group_size == -1), "--static-groups needs --group-size");
  GPTQT_CHECK(!m.refit_scales || uses_solver(m), "--refit-scales needs the solver (its Hessians)");
  GPTQT_CHECK(!m.asymmetric || uses_solver(m), "--asymmetric needs the solver (its Hessians)");
  GPTQT_CHECK(m.head_bits >= 0 && m.head_bits <= 4, "--head-bits {}: 0 (keep the head) or 1 to 4", m.head_bits);
  if (m.head_bits > 0) {
    GPTQT_CHECK(m.head_group_size == -1 || (m.head_group_size >= 32 && m.head_group_size % 32 == 0),
                "--head-group-size {}: use -1 (whole rows) or a multiple of 32", m.head_group_size);
    validate(head_method(m));
  }
}

MethodOptions head_method(const MethodOptions& m) {
  MethodOptions h = m;
  h.bits = m.head_bits;
  h.group_size = m.head_group_size;
  h.static_groups = m.static_groups && m.head_group_size != -1;
  h.inter_bits = m.inter_bits > m.head_bits ? m.inter_bits : 0;
  h.head_bits = 0;
  return h;
}

int resolved_inter_bits(const MethodOptions& m) { return m.inter_bits > 0 ? m.inter_bits : std::max(4, m.bits + 1); }

std::string resolved_search(const MethodOptions& m) {
  if (m.search != "auto") return m.search;
  return m.bits <= 3 && resolved_inter_bits(m) <= 4 ? "fast" : "alternating";
}

bool uses_solver(const MethodOptions& m) {
  if (m.solver != "auto") return m.solver == "gptq";
  return m.method == "gptq" || m.method == "gptqt";
}

GgmlType format_type(const MethodOptions& m) { return format_named(m.format, "--format"); }

MethodOptions method_for_layer(const MethodOptions& m, int cols, const std::string& layer) {
  if (m.format.empty()) return m;
  const GgmlType t = format_type(m);
  if (cols % ggml_format_row_multiple(t) == 0) return m;
  GPTQT_CHECK(!m.format_fallback.empty(), "--format {}: {}: rows of {} weights are not a multiple of {}'s {}{}",
              m.format, layer, cols, m.format, ggml_format_row_multiple(t),
              is_ggml_kquant_type(t) ? " (--fallback auto gives such layers llama-quantize's 32-block type)" : "");
  const GgmlType ft = fallback_type(m);
  MethodOptions f = m;
  f.format = ggml_type_name(uint32_t(ft));
  f.format_fallback.clear();
  f.bits = ggml_format_bits(ft);
  f.group_size = ggml_format_group(ft);
  GPTQT_CHECK(cols % ggml_format_row_multiple(ft) == 0, "--format {} --fallback {}: {}: rows of {} weights are not a "
              "multiple of 32 either", m.format, f.format, layer, cols);
  return f;
}

std::unique_ptr<GridFitter> make_fitter(const MethodOptions& m) {
  validate(m);
  if (!m.format.empty()) {
    const GgmlType t = format_type(m);
    if (is_ggml_kquant_type(t)) return std::make_unique<KQuantFitter>(t, m.mse);
    return std::make_unique<GgmlFitter>(t, m.mse);
  }
  if (m.method == "rtn" || m.method == "gptq") {
    LinearGridOptions o;
    o.bits = m.bits;
    o.symmetric = m.symmetric;
    o.mse = m.mse;
    return std::make_unique<LinearFitter>(o);
  }
  if (m.method == "bcq") {
    BcqOptions o;
    o.bits = m.bits;
    return std::make_unique<BcqFitter>(o);
  }
  GptqtOptions o;
  o.bits = m.bits;
  o.inter_bits = resolved_inter_bits(m);
  o.re_explore = m.re_explore;
  o.p_grid = range_grid(m.p_from, m.p_to, m.p_step);
  o.rounding = m.rounding == "two" ? GptqtRounding::two : GptqtRounding::one;
  const std::string search = resolved_search(m);
  o.search = search == "fast"         ? CriticalPointSearch::fast
             : search == "exhaustive" ? CriticalPointSearch::exhaustive
                                      : CriticalPointSearch::alternating;
  o.weighting = m.weighting == "hdiag" ? GptqtWeighting::hdiag : GptqtWeighting::plain;
  return std::make_unique<GptqtFitter>(o);
}

GptqOptions solver_options(const MethodOptions& m) {
  GptqOptions o;
  o.group_size = m.group_size;
  o.act_order = m.act_order;
  o.static_groups = m.static_groups;
  o.damp = m.damp;
  o.refit_scales = m.refit_scales;
  return o;
}

std::string describe(const MethodOptions& m) {
  std::string s = fmt::format("method={} solver={} bits={} group_size={}", m.method,
                              uses_solver(m) ? "gptq" : "none", m.bits, m.group_size);
  if (uses_solver(m))
    s += fmt::format(" act_order={} static_groups={} damp={}", m.act_order, m.static_groups, m.damp);
  if (m.refit_scales) s += " refit_scales=true";  // absent when off: older work folders still resume
  if (m.rotate) s += " rotate=hadamard";
  if (m.asymmetric) s += " asymmetric=true";
  if (m.method == "rtn" || m.method == "gptq") s += fmt::format(" symmetric={} mse={}", m.symmetric, m.mse);
  if (m.method == "gptqt")
    s += fmt::format(" inter_bits={} re_explore={} p={}:{}:{} rounding={} search={} weighting={}", resolved_inter_bits(m),
                     m.re_explore, m.p_from, m.p_to, m.p_step, m.rounding, resolved_search(m), m.weighting);
  if (m.head_bits > 0) s += fmt::format(" head_bits={} head_group_size={}", m.head_bits, m.head_group_size);
  if (!m.format.empty()) s += " format=" + m.format;
  if (!m.format_fallback.empty()) s += " fallback=" + m.format_fallback;
  return s;
}

}  // namespace gptqt::quant
