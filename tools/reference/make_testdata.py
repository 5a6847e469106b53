"""Regenerates testdata/tiny/: small random GPT-2 checkpoints in the Hugging Face
GPT2LMHeadModel layout plus golden outputs computed by gpt2_ref.py (NumPy,
float64) from the files as read back from disk, cross-checked against
gpt2_torch.py (PyTorch, float64).  Deterministic: same output on every run.

    /usr/bin/python3 tools/reference/make_testdata.py
"""
import json
import math
import os
import shutil
import sys

import numpy as np

sys.dont_write_bytecode = True  # keep tools/reference free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt2_ref as ref  # noqa: E402
import gpt2_torch  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "testdata", "tiny")
TINY_RANDOM = os.path.join(os.path.dirname(ROOT), "shared", "external", "tiny-random-gpt2")

V, P, C, H, L = 300, 64, 48, 3, 3
N_NEW = 8
SEQS = [
    [0],
    [299, 5, 17, 0, 123, 256, 42],
    [int(i) for i in np.random.default_rng(7).integers(1, V - 1, 38)] + [0, V - 1],
]


def rand_model(rng, n_inner):
    """Random weights of realistic scale (float32), canonical (un-prefixed) names."""
    n = lambda std, *shape: (rng.standard_normal(shape) * std).astype(np.float32)  # noqa: E731
    w = {"wte.weight": n(0.3, V, C), "wpe.weight": n(0.1, P, C),
         "ln_f.weight": 1 + n(0.1, C), "ln_f.bias": n(0.1, C)}
    for i in range(L):
        h = f"h.{i}."
        w.update({
            h + "ln_1.weight": 1 + n(0.1, C), h + "ln_1.bias": n(0.1, C),
            h + "attn.c_attn.weight": n(0.2, C, 3 * C), h + "attn.c_attn.bias": n(0.1, 3 * C),
            h + "attn.c_proj.weight": n(0.1, C, C), h + "attn.c_proj.bias": n(0.05, C),
            h + "ln_2.weight": 1 + n(0.1, C), h + "ln_2.bias": n(0.1, C),
            h + "mlp.c_fc.weight": n(0.1, C, n_inner), h + "mlp.c_fc.bias": n(0.1, n_inner),
            h + "mlp.c_proj.weight": n(0.05, n_inner, C), h + "mlp.c_proj.bias": n(0.05, C),
        })
    return w


def config(**over):
    c = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "activation_function": "gelu_new",
         "attn_pdrop": 0.1, "embd_pdrop": 0.1, "resid_pdrop": 0.1, "initializer_range": 0.02,
         "bos_token_id": V - 1, "eos_token_id": V - 1, "layer_norm_epsilon": 1e-5,
         "n_ctx": P, "n_embd": C, "n_head": H, "n_inner": None, "n_layer": L, "n_positions": P,
         "reorder_and_upcast_attn": False, "scale_attn_by_inverse_layer_idx": False,
         "scale_attn_weights": True, "tie_word_embeddings": True, "torch_dtype": "float32",
         "vocab_size": V}
    c.update(over)
    return c


def save(name, cfg, tensors, shards=None):
    d = os.path.join(OUT, name)
    os.makedirs(d)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    if shards is None:
        ref.write_safetensors(os.path.join(d, "model.safetensors"), tensors)
        return
    names, weight_map = sorted(tensors), {}
    for s in range(shards):
        fn = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        part = names[s * len(names) // shards:(s + 1) * len(names) // shards]
        ref.write_safetensors(os.path.join(d, fn), {k: tensors[k] for k in part})
        weight_map.update({k: fn for k in part})
    total = sum(a.nbytes for _, a in tensors.values())
    with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
        f.write("\n")


def write_checkpoints():
    shutil.rmtree(OUT, ignore_errors=True)
    w = rand_model(np.random.default_rng(1234), 4 * C)
    f32 = {k: ("F32", a) for k, a in w.items()}
    pre = {"transformer." + k: v for k, v in f32.items()}
    save("f32", config(), f32)
    save("f32-prefix", config(), {**pre, "lm_head.weight": f32["wte.weight"]})
    save("f16", config(torch_dtype="float16"), {k: ("F16", a.astype(np.float16)) for k, a in w.items()})
    save("bf16", config(torch_dtype="bfloat16"), {k: ("BF16", ref.to_bf16_bits(a)) for k, a in w.items()})
    head = (np.random.default_rng(99).standard_normal((V, C)) * 0.3).astype(np.float32)
    save("untied", config(tie_word_embeddings=False), {**pre, "lm_head.weight": ("F32", head)})
    w2 = rand_model(np.random.default_rng(4321), 100)
    save("inverse-layer", config(scale_attn_by_inverse_layer_idx=True, n_inner=100, layer_norm_epsilon=1e-3),
         {k: ("F32", a) for k, a in w2.items()})
    buf = dict(f32)
    mask = np.tril(np.ones((P, P), dtype=bool)).reshape(1, 1, P, P)
    for i in range(L):  # layer 0: BOOL mask (newer HF), others: F32 mask + F32 scalar masked_bias (older HF)
        buf[f"h.{i}.attn.bias"] = ("BOOL", mask) if i == 0 else ("F32", mask.astype(np.float32))
        if i > 0:
            buf[f"h.{i}.attn.masked_bias"] = ("F32", np.array(-1e4, dtype=np.float32))
    save("buffers", config(), buf)
    save("sharded", config(), f32, shards=2)


# ------------------------------------------------------------------ goldens

def r(a):
    """ndarray/float -> nested lists of floats rounded to 9 significant digits."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return float(f"{float(a):.9g}")
    return [r(x) for x in a] if a.ndim > 1 else [float(f"{x:.9g}") for x in a]


VARIANTS = {  # variant -> key of the golden cases it must reproduce
    "f32": "f32", "f32-prefix": "f32", "buffers": "f32", "sharded": "f32",
    "f16": "f16", "bf16": "bf16", "untied": "untied", "inverse-layer": "inverse-layer",
}


def goldens():
    cases, logits_of = {}, {}
    for var, key in VARIANTS.items():
        cfg, p = ref.load_model(os.path.join(OUT, var))
        for j, ids in enumerate(SEQS):
            lg, hid = ref.forward(cfg, p, ids)
            lt, ht = gpt2_torch.forward(cfg, p, ids)
            err = max(np.abs(lg - lt).max(), np.abs(hid - ht).max())
            assert err < 1e-10, (var, j, err)
            if key != var:  # same weights stored differently: results must be identical
                assert np.abs(lg - logits_of[key, j]).max() < 1e-12, (var, j)
            logits_of[var, j] = lg
        print(f"{var:14s} numpy vs torch ok; max|logit| {max(np.abs(logits_of[var, j]).max() for j in range(3)):.2f}")
        if key != var:
            continue
        cases[var] = []
        for ids in SEQS:
            new, margin = ref.greedy(cfg, p, ids, N_NEW)
            assert margin > 1e-3, (var, ids, margin)  # no near-ties: float32 runtimes must agree
            assert new == ref.greedy(cfg, p, ids, N_NEW, fwd=gpt2_torch.forward)[0]
            cases[var].append({"ids": ids, "logits": r(ref.forward(cfg, p, ids)[0]), "greedy": new,
                               "greedy_min_margin": r(margin)})
    return {"generator": "tools/reference/make_testdata.py (NumPy float64 reference, see tools/reference/README.md)",
            "tolerance": "max|logits - golden| <= 1e-4 * max|golden logits| per case",
            "greedy_new_tokens": N_NEW,
            "variants": {v: {"dir": v, "cases": k} for v, k in VARIANTS.items()},
            "cases": cases}


def goldens_kv16():
    """The f32 and f16 variants' cases with a half-precision KV cache: keys
    and values rounded to float16 before attention."""
    cases, diffs = {}, {}
    for var in ("f32", "f16"):
        cfg, p = ref.load_model(os.path.join(OUT, var))
        cases[var], diffs[var] = [], 0.0
        for ids in SEQS:
            lg = ref.forward(cfg, p, ids, kv16=True)[0]
            lt = gpt2_torch.forward(cfg, p, ids, kv16=True)[0]
            assert np.abs(lg - lt).max() < 1e-10, (var, ids)
            diffs[var] = max(diffs[var], float(np.abs(lg - ref.forward(cfg, p, ids)[0]).max()))
            fwd = lambda c, q, i: ref.forward(c, q, i, kv16=True)  # noqa: E731
            new, margin = ref.greedy(cfg, p, ids, N_NEW, fwd=fwd)
            assert margin > 1e-3, (var, ids, margin)
            cases[var].append({"ids": ids, "logits": r(lg), "greedy": new, "greedy_min_margin": r(margin)})
        print(f"{var:14s} kv16: numpy vs torch ok; max|logits - float32 cache's| {diffs[var]:.3g}")
    return {"generator": "tools/reference/make_testdata.py (NumPy float64 reference, keys and values rounded to float16)",
            "tolerance": "max|logits - golden| <= 1e-4 * max|golden logits| per case",
            "greedy_new_tokens": N_NEW,
            "max_diff_from_float32_cache": {v: r(d) for v, d in diffs.items()},
            "variants": {v: {"dir": v, "cases": v} for v in ("f32", "f16")},
            "cases": cases}


def analysis():
    """Extra f32-only data for logit-lens / embedding-geometry tools."""
    import torch
    cfg, p = ref.load_model(os.path.join(OUT, "f32"))
    W = p["wte.weight"]
    wnorm = np.linalg.norm(W, axis=1)
    Wn = W / wnorm[:, None]
    neighbors = []
    for t in (0, 5, V - 1):
        sims = Wn @ Wn[t]
        sims[t] = -np.inf
        top = np.argsort(-sims, kind="stable")[:10]
        neighbors.append({"id": t, "ids": [int(i) for i in top], "sims": r(sims[top])})
    sv = np.linalg.svd(W, compute_uv=False)
    seqs = []
    for ids in SEQS:
        logits, hidden = ref.forward(cfg, p, ids)
        lens = ref.final(cfg, p, hidden) @ W.T
        assert np.abs(lens[-1] - logits).max() < 1e-12
        hf = ref.final(cfg, p, hidden[-1])                       # [T, C] after ln_f
        logp = logits - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1, keepdims=True)) \
            - logits.max(-1, keepdims=True)
        tgt = np.array(ids[1:], dtype=int)
        lp = logp[np.arange(len(tgt)), tgt]
        grad = np.exp(logp[:-1]) @ W - W[tgt]                    # d(-log P(true))/dh, [T-1, C]
        # independent check of the gradient with torch autograd
        ht = torch.tensor(hf[:-1], requires_grad=True)
        torch.nn.functional.cross_entropy(ht @ torch.tensor(W).T, torch.tensor(tgt), reduction="sum").backward()
        assert len(tgt) == 0 or np.abs(ht.grad.numpy() - grad).max() < 1e-10
        nll = float(-lp.mean()) if len(lp) else None
        seqs.append({"ids": ids, "hidden": r(hidden), "lens_logits": r(lens),
                     "hnorm": r(np.linalg.norm(hf, axis=1)),
                     "cos": r(W @ hf[-1] / (wnorm * np.linalg.norm(hf[-1]))),
                     "logprobs": r(lp) if len(lp) else [], "nll_mean": nll and r(nll),
                     "ppl": nll and r(math.exp(nll)), "grad_h_norm": r(np.linalg.norm(grad, axis=1)) if len(lp) else []})
    return {"variant": "f32", "wnorm": r(wnorm), "singular_values": r(sv),
            "energy_share_top5": r((sv[:5] ** 2).sum() / (sv ** 2).sum()),
            "neighbors": neighbors, "sequences": seqs}


def check_tiny_random():
    if not os.path.isdir(TINY_RANDOM):
        print("tiny-random-gpt2 not found, skipped")
        return
    cfg, p = ref.load_model(TINY_RANDOM)
    for ids, want in (([0, 0, 0, 52], [204] * 6), ([0, 0, 195, 731], [731, 114, 114, 114, 114, 114])):
        got = ref.greedy(cfg, p, ids, 6)[0]
        lt = gpt2_torch.forward(cfg, p, ids)[0]
        assert np.abs(ref.forward(cfg, p, ids)[0] - lt).max() < 1e-10
        assert got == want, (ids, got, want)
        print(f"tiny-random-gpt2 {ids} -> {got} ok (matches onnxruntime-genai)")


def dump(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    check_tiny_random()
    write_checkpoints()
    dump(goldens(), os.path.join(OUT, "golden.json"))
    dump(goldens_kv16(), os.path.join(OUT, "golden_kv16.json"))
    dump(analysis(), os.path.join(OUT, "f32_analysis.json"))
    print("wrote", OUT)
