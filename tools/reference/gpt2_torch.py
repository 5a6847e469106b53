"""Second, independent GPT-2 forward written with torch.nn.functional (float64).

Used only to cross-check gpt2_ref.py (NumPy) before goldens are written.
Takes the same (cfg, params) as gpt2_ref.forward (params as NumPy arrays).
"""
import math

import torch
import torch.nn.functional as F


def forward(cfg, p, ids, kv16=False):
    t = {k: torch.from_numpy(v).to(torch.float64) for k, v in p.items()}
    C, H, L = cfg["n_embd"], cfg["n_head"], cfg["n_layer"]
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    T = len(ids)
    x = F.embedding(torch.tensor(ids), t["wte.weight"]) + t["wpe.weight"][:T]
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    hidden = [x]
    for i in range(L):
        h = f"h.{i}."
        a = F.layer_norm(x, (C,), t[h + "ln_1.weight"], t[h + "ln_1.bias"], eps)
        # Conv1D weights are [in, out]; F.linear wants [out, in]
        q, k, v = F.linear(a, t[h + "attn.c_attn.weight"].T, t[h + "attn.c_attn.bias"]).split(C, dim=-1)
        q, k, v = (z.view(T, H, C // H).transpose(0, 1) for z in (q, k, v))
        if kv16:  # half-precision KV cache
            k, v = (z.to(torch.float32).to(torch.float16).to(torch.float64) for z in (k, v))
        scale = 1.0
        if cfg.get("scale_attn_weights", True):
            scale /= math.sqrt(C // H)
        if cfg.get("scale_attn_by_inverse_layer_idx", False):
            scale /= i + 1
        w = torch.matmul(q, k.transpose(-1, -2)) * scale
        w = torch.softmax(w.masked_fill(~causal, float("-inf")), dim=-1)
        o = torch.matmul(w, v).transpose(0, 1).reshape(T, C)
        x = x + F.linear(o, t[h + "attn.c_proj.weight"].T, t[h + "attn.c_proj.bias"])
        m = F.layer_norm(x, (C,), t[h + "ln_2.weight"], t[h + "ln_2.bias"], eps)
        m = F.gelu(F.linear(m, t[h + "mlp.c_fc.weight"].T, t[h + "mlp.c_fc.bias"]), approximate="tanh")
        x = x + F.linear(m, t[h + "mlp.c_proj.weight"].T, t[h + "mlp.c_proj.bias"])
        hidden.append(x)
    x = F.layer_norm(x, (C,), t["ln_f.weight"], t["ln_f.bias"], eps)
    logits = F.linear(x, t["lm_head.weight"])
    return logits.numpy(), torch.stack(hidden).numpy()
