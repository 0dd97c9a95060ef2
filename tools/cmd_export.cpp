// gptqt export: a packed model in another tool's format.
#include <fmt/format.h>

#include "commands.h"
#include "core/error.h"
#include "quant/gptq_checkpoint.h"

namespace gptqt::cli {

namespace {

struct ExportArgs {
  quant::GptqExportOptions gptq;
  std::string to;
};

void run_export(ExportArgs a) {
  GPTQT_CHECK(a.to == "gptq", "--to {}: a GGUF file comes from quantize --format (Q4_0..Q8_0, Q2_K..Q6_K), which "
              "quantizes onto llama.cpp's grid directly (converting other levels after the fact loses more)", a.to);
  quant::export_gptq_checkpoint(a.gptq);
  fmt::print(stderr, "wrote {} (Hugging Face GPTQ checkpoint, checkpoint_format {})\n", a.gptq.out,
             a.gptq.checkpoint_format);
}

}  // namespace

void register_export(CLI::App& app) {
  auto a = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand("export", "write a packed model in another tool's format");
  cmd->add_option("--model,-m", a->gptq.packed, "gptqt packed model folder")->required();
  cmd->add_option("--to", a->to, "gptq: a Hugging Face GPTQ checkpoint (transformers, GPTQModel, vLLM)")
      ->required()
      ->check(CLI::IsMember({"gptq", "gguf"}));
  cmd->add_option("--out,-o", a->gptq.out, "a new folder")->required();
  cmd->add_option("--checkpoint-format", a->gptq.checkpoint_format,
                  "gptq (zero points stored minus one, the common layout) or gptq_v2")
      ->check(CLI::IsMember({"gptq", "gptq_v2"}))
      ->capture_default_str();
  cmd->add_option("--source", a->gptq.source,
                  "the Hugging Face folder the model was quantized from (default: the header's source_model)");
  cmd->callback([a] { run_export(*a); });
}

}  // namespace gptqt::cli
