#!/usr/bin/env python3
"""transformers' logits on a checkpoint from `gptqt export --to gptq` against the packed model's
levels (issue 16). Run by hand where transformers has a CPU GPTQ backend (GPTQModel, built with
BUILD_CUDA_EXT=0); not part of ctest, whose machines lack those packages.

    python3 tests/scripts/transformers_gptq_logits.py PACKED_DIR GPTQ_DIR

Loads GPTQ_DIR through transformers' GPTQ integration (the quantized linear layers run by the
backend), and the same architecture in float32 with every linear weight replaced by the packed
model's levels (check_gptq_checkpoint.packed_layer, written from docs/format.md), and compares the
logits of one random token sequence. Prints the largest difference relative to the logits' range;
exits 1 above 1e-3.
"""
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import load_file
from transformers import AutoConfig, AutoModelForCausalLM

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_gptq_checkpoint import packed_layer  # noqa: E402

ROLES = {"q": "self_attn.q_proj", "k": "self_attn.k_proj", "v": "self_attn.v_proj", "o": "self_attn.o_proj",
         "gate": "mlp.gate_proj", "up": "mlp.up_proj", "down": "mlp.down_proj"}


def main() -> int:
    packed_dir, gptq_dir = Path(sys.argv[1]), Path(sys.argv[2])
    quantized = AutoModelForCausalLM.from_pretrained(str(gptq_dir), device_map="cpu", dtype=torch.float16)
    quantized.eval()
    config = AutoConfig.from_pretrained(str(gptq_dir))
    del config.quantization_config
    reference = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    tensors = load_file(str(gptq_dir / "model.safetensors"))
    state = {k: torch.from_numpy(v.astype(np.float32)) for k, v in tensors.items()
             if not k.endswith((".qweight", ".qzeros", ".scales", ".g_idx"))}
    packed = load_file(str(packed_dir / "weights.safetensors"))
    for i in range(config.num_hidden_layers):
        for role, hf in ROLES.items():
            state[f"model.layers.{i}.{hf}.weight"] = torch.from_numpy(packed_layer(packed, f"blk.{i}.{role}")
                                                                      .astype(np.float32))
    missing, unexpected = reference.load_state_dict(state, strict=False)
    assert not unexpected and all("rotary" in m for m in missing), (missing, unexpected)
    reference.eval()
    ids = torch.randint(0, config.vocab_size, (1, 24), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        got = quantized(ids).logits.float().numpy()[0]
        want = reference(ids).logits.numpy()[0]
    rel = float(np.abs(got - want).max() / (want.max() - want.min()))
    print(f"backend {type(quantized.model.layers[0].self_attn.q_proj).__name__}: max |transformers - levels| = "
          f"{rel:.2e} of the logits' range")
    return 0 if rel <= 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
