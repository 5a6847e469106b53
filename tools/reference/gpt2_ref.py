"""Independent NumPy reference implementation of GPT-2 (picoGPT style, float64).

Reads Hugging Face GPT2LMHeadModel checkpoints (config.json + model.safetensors,
or a sharded model.safetensors.index.json) with a hand-written safetensors
reader; no transformers / safetensors Python packages are used.

    /usr/bin/python3 tools/reference/gpt2_ref.py MODEL_DIR ID [ID ...]

prints the greedy continuation (8 new tokens) of the given token ids.
"""
import json
import os
import struct
import sys

import numpy as np

# ---------------------------------------------------------------- safetensors

_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": np.uint16,
           "I64": np.int64, "I32": np.int32, "U8": np.uint8, "BOOL": np.bool_}


def read_safetensors(path):
    """Returns ({name: float64 ndarray (buffers keep their own dtype)}, metadata)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, t in header.items():
        b, e = t["data_offsets"]
        raw = np.frombuffer(data[base + b:base + e], dtype=np.dtype(_DTYPES[t["dtype"]]).newbyteorder("<"))
        if t["dtype"] == "BF16":  # bf16 = upper 16 bits of an f32
            raw = (raw.astype(np.uint32) << 16).view(np.float32)
        if t["dtype"] in ("F64", "F32", "F16", "BF16"):
            raw = raw.astype(np.float64)
        out[name] = raw.reshape(t["shape"])
    return out, meta


def to_bf16_bits(x):
    """float32 array -> uint16 bf16 bit patterns, round to nearest even (no NaNs expected)."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def write_safetensors(path, tensors, metadata=None):
    """tensors: {name: (dtype_str, ndarray)}; ndarray already in the storage dtype
    (BF16: uint16 bit patterns). Header is space-padded to 8 bytes like the
    safetensors library does."""
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        dt, arr = tensors[name]
        b = np.ascontiguousarray(arr).astype(np.dtype(_DTYPES[dt]).newbyteorder("<")).tobytes()
        header[name] = {"dtype": dt, "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = metadata or {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


# ---------------------------------------------------------------- loading

def load_model(d):
    """Returns (config dict, params dict with canonical keys, all float64)."""
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    idx = os.path.join(d, "model.safetensors.index.json")
    raw = {}
    if os.path.exists(idx):
        with open(idx) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
        for fn in files:
            raw.update(read_safetensors(os.path.join(d, fn))[0])
    else:
        raw = read_safetensors(os.path.join(d, "model.safetensors"))[0]
    p = {}
    for k, v in raw.items():
        k = k[len("transformer."):] if k.startswith("transformer.") else k
        if k.endswith(".attn.bias") or k.endswith(".attn.masked_bias"):
            continue  # causal-mask buffers, not weights
        p[k] = v
    if cfg.get("tie_word_embeddings", True):
        p["lm_head.weight"] = p["wte.weight"]
    assert "lm_head.weight" in p, "untied model without lm_head.weight"
    return cfg, p


# ---------------------------------------------------------------- model

def gelu_new(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))


def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def attention(x, p, pre, cfg, layer, kv16=False):
    T, C = x.shape
    H = cfg["n_head"]
    qkv = x @ p[pre + "c_attn.weight"] + p[pre + "c_attn.bias"]           # [T, 3C]
    q, k, v = (qkv[:, i * C:(i + 1) * C].reshape(T, H, C // H).transpose(1, 0, 2) for i in range(3))
    if kv16:  # a half-precision KV cache: keys and values rounded to float16 (via float32, as computed)
        k, v = (a.astype(np.float32).astype(np.float16).astype(np.float64) for a in (k, v))
    s = q @ k.transpose(0, 2, 1)                                             # [H, T, T]
    if cfg.get("scale_attn_weights", True):
        s = s / np.sqrt(C // H)
    if cfg.get("scale_attn_by_inverse_layer_idx", False):
        s = s / (layer + 1)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    o = (softmax(s) @ v).transpose(1, 0, 2).reshape(T, C)
    return o @ p[pre + "c_proj.weight"] + p[pre + "c_proj.bias"]


def forward(cfg, p, ids, kv16=False):
    """Returns (logits [T,V], hidden [L+1,T,C]: residual stream after the
    embeddings and after each block, before ln_f). kv16 rounds the attention's
    keys and values to float16, as a half-precision KV cache stores them."""
    assert cfg.get("activation_function", "gelu_new") == "gelu_new"
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    ids = np.asarray(ids)
    x = p["wte.weight"][ids] + p["wpe.weight"][np.arange(len(ids))]
    hidden = [x]
    for i in range(cfg["n_layer"]):
        h = f"h.{i}."
        x = x + attention(layer_norm(x, p[h + "ln_1.weight"], p[h + "ln_1.bias"], eps), p, h + "attn.", cfg, i, kv16)
        m = layer_norm(x, p[h + "ln_2.weight"], p[h + "ln_2.bias"], eps)
        m = gelu_new(m @ p[h + "mlp.c_fc.weight"] + p[h + "mlp.c_fc.bias"])
        x = x + m @ p[h + "mlp.c_proj.weight"] + p[h + "mlp.c_proj.bias"]
        hidden.append(x)
    return final(cfg, p, x) @ p["lm_head.weight"].T, np.stack(hidden)


def final(cfg, p, x):
    """ln_f applied to a residual-stream state."""
    return layer_norm(x, p["ln_f.weight"], p["ln_f.bias"], cfg.get("layer_norm_epsilon", 1e-5))


def greedy(cfg, p, ids, n_new=8, fwd=forward):
    """Greedy continuation, full recompute every step (no KV cache).
    Returns (new ids, smallest top1-top2 logit margin seen)."""
    ids, new, margin = list(ids), [], np.inf
    for _ in range(n_new):
        last = fwd(cfg, p, ids)[0][-1]
        top2 = np.sort(last)[-2:]
        margin = min(margin, top2[1] - top2[0])
        ids.append(int(np.argmax(last)))
        new.append(ids[-1])
    return new, float(margin)


if __name__ == "__main__":
    cfg, p = load_model(sys.argv[1])
    print(greedy(cfg, p, [int(a) for a in sys.argv[2:]])[0])
