#!/usr/bin/python3
"""Train the small demo GPT-2 shipped in weights/demo.

Everything is in this one file: a GPT-2-style byte-level BPE trainer, a
GPT-2 model (Hugging Face GPT2LMHeadModel semantics) in plain PyTorch, a
hand-written safetensors writer/reader, and the manifest of reference
numbers that the Go runtime tests against.

Corpus: Isaac Newton's *Opticks* from the Go distribution
($GOROOT/src/testdata/Isaac.Newton-Opticks.txt).  The last 10% of the text
(by characters, split at a line boundary) is held out for evaluation.

Usage (system Python with Debian's numpy/torch/regex):
    /usr/bin/python3 tools/demomodel/train.py --out weights/demo
"""
import argparse
import hashlib
import json
import math
import os
import struct
import subprocess
import sys
import time
from collections import Counter, defaultdict

# One BLAS thread: torch's own OpenMP pool (--threads) does the parallel work;
# letting OpenBLAS start its own threads on top oversubscribes the 2 cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np
import regex
import torch
import torch.nn as nn
import torch.nn.functional as F

EOT = "<|endoftext|>"
GPT2_PAT = regex.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
)


# ---------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------

def find_corpus(path):
    if path:
        return path
    try:
        goroot = subprocess.check_output(["go", "env", "GOROOT"], text=True).strip()
    except Exception:
        goroot = "/usr/local/go"
    return os.path.join(goroot, "src", "testdata", "Isaac.Newton-Opticks.txt")


def split_corpus(text, frac=0.9):
    """Train = text[:cut], held-out = text[cut:], where cut is just after the
    first newline at or after character index int(frac*len(text))."""
    nl = text.index("\n", int(frac * len(text)))
    cut = nl + 1
    return text[:cut], text[cut:], cut


# ---------------------------------------------------------------------------
# Byte-level BPE (GPT-2 style)
# ---------------------------------------------------------------------------

def bytes_to_unicode():
    """Exactly GPT-2's / HF's mapping; the list order also gives byte-token ids."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return bs, [chr(c) for c in cs]


BYTE_ORDER, BYTE_CHARS = bytes_to_unicode()
BYTE_ENCODER = dict(zip(BYTE_ORDER, BYTE_CHARS))
BYTE_DECODER = {c: b for b, c in BYTE_ENCODER.items()}


def pretokenize(text):
    return GPT2_PAT.findall(text)


def to_unicode_word(piece):
    return "".join(BYTE_ENCODER[b] for b in piece.encode("utf-8"))


def train_bpe(text, n_merges):
    """Standard BPE training on pre-tokenized words.  At every step the most
    frequent adjacent pair (counted over word frequencies) is merged; ties are
    broken by the lexicographically smallest (left, right) pair, so the
    result is deterministic."""
    counts = Counter(to_unicode_word(p) for p in pretokenize(text))
    words = [list(w) for w in counts]
    freqs = [counts[w] for w in counts]
    pair_counts = defaultdict(int)
    where = defaultdict(set)
    for i, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pair_counts[(a, b)] += freqs[i]
            where[(a, b)].add(i)
    merges = []
    for _ in range(n_merges):
        if not pair_counts:
            break
        best = min(pair_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if best[1] < 2:
            break
        pair = best[0]
        merges.append(pair)
        a, b = pair
        ab = a + b
        for i in list(where[pair]):
            w = words[i]
            f = freqs[i]
            for x, y in zip(w, w[1:]):
                pair_counts[(x, y)] -= f
                if pair_counts[(x, y)] <= 0:
                    del pair_counts[(x, y)]
                where[(x, y)].discard(i)
            nw = []
            j = 0
            while j < len(w):
                if j + 1 < len(w) and w[j] == a and w[j + 1] == b:
                    nw.append(ab)
                    j += 2
                else:
                    nw.append(w[j])
                    j += 1
            words[i] = nw
            for x, y in zip(nw, nw[1:]):
                pair_counts[(x, y)] += f
                where[(x, y)].add(i)
        where.pop(pair, None)
    return merges


class Tokenizer:
    """GPT-2 (HF slow tokenizer) encoding: merges applied by merge rank."""

    def __init__(self, merges):
        self.merges = list(merges)
        self.ranks = {m: i for i, m in enumerate(self.merges)}
        self.vocab = {}
        for i, c in enumerate(BYTE_CHARS):
            self.vocab[c] = i
        for a, b in self.merges:
            self.vocab[a + b] = len(self.vocab)
        self.vocab[EOT] = len(self.vocab)
        self.eot = self.vocab[EOT]
        self.inv = {i: s for s, i in self.vocab.items()}
        self.cache = {}
        assert len(self.inv) == len(self.vocab), "duplicate token strings"

    def bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        parts = list(word)
        while len(parts) > 1:
            pairs = [(self.ranks.get((x, y), 1 << 30), k) for k, (x, y) in enumerate(zip(parts, parts[1:]))]
            r, _ = min(pairs)
            if r == 1 << 30:
                break
            a, b = self.merges[r]
            out = []
            j = 0
            while j < len(parts):
                if j + 1 < len(parts) and parts[j] == a and parts[j + 1] == b:
                    out.append(a + b)
                    j += 2
                else:
                    out.append(parts[j])
                    j += 1
            parts = out
        ids = [self.vocab[p] for p in parts]
        self.cache[word] = ids
        return ids

    def encode(self, text):
        """Encode text; the literal string <|endoftext|> becomes the special token."""
        ids = []
        chunks = text.split(EOT)
        for ci, chunk in enumerate(chunks):
            if ci > 0:
                ids.append(self.eot)
            for p in pretokenize(chunk):
                ids.extend(self.bpe(to_unicode_word(p)))
        return ids

    def decode(self, ids):
        out = bytearray()
        for i in ids:
            s = self.inv[i]
            if s == EOT:
                out.extend(EOT.encode())
            else:
                out.extend(BYTE_DECODER[c] for c in s)
        return out.decode("utf-8", errors="replace")


def tiktoken_encode(piece, byte_ranks):
    parts = [bytes([b]) for b in piece]
    while len(parts) > 1:
        best = None
        for k in range(len(parts) - 1):
            r = byte_ranks.get(parts[k] + parts[k + 1])
            if r is not None and (best is None or r < best[0]):
                best = (r, k)
        if best is None:
            break
        k = best[1]
        parts[k:k + 2] = [parts[k] + parts[k + 1]]
    return [byte_ranks[p] for p in parts]


# ---------------------------------------------------------------------------
# Model: GPT-2 (HF GPT2LMHeadModel semantics), module names as in HF
# ---------------------------------------------------------------------------

class Attention(nn.Module):
    def __init__(self, C, H, P, pdrop):
        super().__init__()
        self.H = H
        self.c_attn = nn.Linear(C, 3 * C)
        self.c_proj = nn.Linear(C, C)
        self.attn_dropout = nn.Dropout(pdrop)
        self.resid_dropout = nn.Dropout(pdrop)
        self.register_buffer("mask", torch.tril(torch.ones(P, P, dtype=torch.bool)), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        D = C // self.H
        q = q.view(B, T, self.H, D).transpose(1, 2)
        k = k.view(B, T, self.H, D).transpose(1, 2)
        v = v.view(B, T, self.H, D).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(D))
        att = att.masked_fill(~self.mask[:T, :T], torch.finfo(att.dtype).min)
        att = self.attn_dropout(F.softmax(att, dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, C, pdrop):
        super().__init__()
        self.c_fc = nn.Linear(C, 4 * C)
        self.c_proj = nn.Linear(4 * C, C)
        self.dropout = nn.Dropout(pdrop)

    def forward(self, x):
        # gelu_new == tanh approximation of GELU
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x), approximate="tanh")))


class Block(nn.Module):
    def __init__(self, C, H, P, pdrop):
        super().__init__()
        self.ln_1 = nn.LayerNorm(C, eps=1e-5)
        self.attn = Attention(C, H, P, pdrop)
        self.ln_2 = nn.LayerNorm(C, eps=1e-5)
        self.mlp = MLP(C, pdrop)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT2(nn.Module):
    def __init__(self, V, P, C, L, H, pdrop=0.0):
        super().__init__()
        self.V, self.P, self.C, self.L, self.H = V, P, C, L, H
        self.wte = nn.Embedding(V, C)
        self.wpe = nn.Embedding(P, C)
        self.drop = nn.Dropout(pdrop)
        self.h = nn.ModuleList([Block(C, H, P, pdrop) for _ in range(L)])
        self.ln_f = nn.LayerNorm(C, eps=1e-5)
        self.apply(self._init)
        for n, p in self.named_parameters():
            if n.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * L))

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, 0.0, 0.02)

    def forward(self, idx):
        T = idx.shape[1]
        pos = torch.arange(T, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        for blk in self.h:
            x = blk(x)
        return self.ln_f(x) @ self.wte.weight.t()  # tied lm_head


# ---------------------------------------------------------------------------
# Export in Hugging Face GPT-2 layout
# ---------------------------------------------------------------------------

def hf_state(model):
    """name -> float32 numpy array in HF GPT-2 naming/layout (Conv1D = [in,out])."""
    out = {}
    sd = {k: v.detach().cpu().float().numpy() for k, v in model.state_dict().items()}
    out["wte.weight"] = sd["wte.weight"]
    out["wpe.weight"] = sd["wpe.weight"]
    for i in range(model.L):
        p = f"h.{i}."
        out[p + "ln_1.weight"] = sd[p + "ln_1.weight"]
        out[p + "ln_1.bias"] = sd[p + "ln_1.bias"]
        for lin in ("attn.c_attn", "attn.c_proj"):
            out[p + lin + ".weight"] = np.ascontiguousarray(sd[p + lin + ".weight"].T)
            out[p + lin + ".bias"] = sd[p + lin + ".bias"]
        out[p + "ln_2.weight"] = sd[p + "ln_2.weight"]
        out[p + "ln_2.bias"] = sd[p + "ln_2.bias"]
        for lin in ("mlp.c_fc", "mlp.c_proj"):
            out[p + lin + ".weight"] = np.ascontiguousarray(sd[p + lin + ".weight"].T)
            out[p + lin + ".bias"] = sd[p + lin + ".bias"]
    out["ln_f.weight"] = sd["ln_f.weight"]
    out["ln_f.bias"] = sd["ln_f.bias"]
    return out


def write_safetensors(path, tensors, dtype):
    np_dtype, st_dtype = {"F32": ("<f4", "F32"), "F16": ("<f2", "F16")}[dtype]
    header = {}
    blobs = []
    off = 0
    for name, arr in tensors.items():
        b = np.ascontiguousarray(arr.astype(np_dtype)).tobytes()
        header[name] = {"dtype": st_dtype, "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"format": "pt"}
    hj = json.dumps(header, separators=(",", ":")).encode()
    hj += b" " * ((8 - (8 + len(hj)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """Independent minimal reader: returns name -> float32 numpy array."""
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    assert base % 8 == 0
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dt = {"F32": "<f4", "F16": "<f2"}[info["dtype"]]
        s, e = info["data_offsets"]
        out[name] = np.frombuffer(raw[base + s:base + e], dtype=dt).reshape(info["shape"]).astype(np.float32)
    return out


def model_from_hf(tensors, cfg):
    m = GPT2(cfg["vocab_size"], cfg["n_positions"], cfg["n_embd"], cfg["n_layer"], cfg["n_head"], 0.0)
    sd = {}
    for name, arr in tensors.items():
        t = torch.from_numpy(arr.copy())
        if name.endswith(("c_attn.weight", "c_proj.weight", "c_fc.weight")):
            t = t.t().contiguous()  # Conv1D [in,out] -> nn.Linear [out,in]
        sd[name] = t
    m.load_state_dict(sd, strict=True)
    m.eval()
    return m


def numpy_forward(W, cfg, ids):
    """Independent NumPy GPT-2 forward straight from the HF tensors (float64)."""
    C, H = cfg["n_embd"], cfg["n_head"]
    D = C // H
    W = {k: v.astype(np.float64) for k, v in W.items()}

    def ln(x, p):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-5) * W[p + ".weight"] + W[p + ".bias"]

    def gelu(x):
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))

    T = len(ids)
    x = W["wte.weight"][ids] + W["wpe.weight"][:T]
    for i in range(cfg["n_layer"]):
        p = f"h.{i}."
        a = ln(x, p + "ln_1") @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]
        q, k, v = a[:, :C], a[:, C:2 * C], a[:, 2 * C:]
        y = np.zeros((T, C))
        for hh in range(H):
            sl = slice(hh * D, (hh + 1) * D)
            s = q[:, sl] @ k[:, sl].T / math.sqrt(D)
            s = np.where(np.tril(np.ones((T, T), bool)), s, -np.inf)
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            y[:, sl] = s @ v[:, sl]
        x = x + y @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"]
        m = gelu(ln(x, p + "ln_2") @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"])
        x = x + m @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"]
    return ln(x, "ln_f") @ W["wte.weight"].T


# ---------------------------------------------------------------------------
# Evaluation helpers
# ---------------------------------------------------------------------------

@torch.no_grad()
def heldout_ce(model, ids, n_ctx):
    """Non-overlapping windows ids[k*n_ctx:(k+1)*n_ctx] (last one may be
    shorter, kept if it has >= 2 tokens); in each window, positions 1..n-1 are
    predicted from the preceding tokens of the same window only.  Returns
    (mean CE in nats per scored token, number of scored tokens, windows)."""
    total, count, windows = 0.0, 0, 0
    for s in range(0, len(ids), n_ctx):
        w = ids[s:s + n_ctx]
        if len(w) < 2:
            continue
        x = torch.tensor([w], dtype=torch.long)
        logits = model(x)[0, :-1].double()
        total += F.cross_entropy(logits, x[0, 1:], reduction="sum").item()
        count += len(w) - 1
        windows += 1
    return total / count, count, windows


@torch.no_grad()
def sample(model, ids, n_new, temperature, top_k, seed, n_ctx):
    g = torch.Generator().manual_seed(seed)
    ids = list(ids)
    for _ in range(n_new):
        x = torch.tensor([ids[-n_ctx:]], dtype=torch.long)
        logits = model(x)[0, -1] / temperature
        if top_k:
            v, _ = torch.topk(logits, top_k)
            logits = logits.masked_fill(logits < v[-1], float("-inf"))
        p = F.softmax(logits, dim=-1)
        ids.append(int(torch.multinomial(p, 1, generator=g).item()))
    return ids


@torch.no_grad()
def greedy(model, ids, n_new, n_ctx):
    ids = list(ids)
    for _ in range(n_new):
        x = torch.tensor([ids[-n_ctx:]], dtype=torch.long)
        ids.append(int(model(x)[0, -1].argmax().item()))
    return ids


def word_fraction(text, corpus_words):
    ws = regex.findall(r"[A-Za-z]+", text)
    if not ws:
        return 0.0, 0, 0
    ok = sum(1 for w in ws if w.lower() in corpus_words)
    return ok / len(ws), ok, len(ws)


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def round_list(a, sig=8):
    return [float(f"{x:.{sig}g}") for x in np.asarray(a, dtype=np.float64).ravel()]


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="weights/demo")
    ap.add_argument("--corpus", default="")
    ap.add_argument("--vocab-size", type=int, default=2048, help="total, including 256 bytes and <|endoftext|>")
    ap.add_argument("--n-layer", type=int, default=4)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--n-embd", type=int, default=128)
    ap.add_argument("--n-positions", type=int, default=256)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--min-lr-frac", type=float, default=0.1)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--eot-prob", type=float, default=0.1, help="fraction of training windows that start with <|endoftext|>")
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--dtype", choices=["F32", "F16"], default="F32")
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--export-only", action="store_true", help="skip training; recompute manifest from existing --out files")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    # CPU kernels are deterministic for a fixed thread count; the
    # use_deterministic_algorithms() switch only slows training ~2x here.
    os.makedirs(args.out, exist_ok=True)
    t_start = time.time()

    corpus_path = find_corpus(args.corpus)
    raw = open(corpus_path, "rb").read()
    text = raw.decode("utf-8")
    train_text, held_text, cut = split_corpus(text)
    print(f"corpus {corpus_path}: {len(text)} chars, train {len(train_text)}, held-out {len(held_text)} (cut at char {cut})", flush=True)

    n_merges = args.vocab_size - 256 - 1
    cfg_path = os.path.join(args.out, "config.json")
    st_path = os.path.join(args.out, "model.safetensors")
    vocab_path = os.path.join(args.out, "vocab.json")
    merges_path = os.path.join(args.out, "merges.txt")

    train_info = {}
    if not args.export_only:
        # ---- tokenizer ----
        t0 = time.time()
        merges = train_bpe(train_text, n_merges)
        tok = Tokenizer(merges)
        print(f"BPE: {len(merges)} merges, vocab {len(tok.vocab)} in {time.time() - t0:.1f}s", flush=True)
        with open(vocab_path, "w", encoding="utf-8") as f:
            json.dump(tok.vocab, f, ensure_ascii=False)
        with open(merges_path, "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n")
            for a, b in merges:
                f.write(f"{a} {b}\n")
        train_ids = np.array(tok.encode(train_text), dtype=np.int64)
        held_ids = tok.encode(held_text)
        print(f"tokens: train {len(train_ids)}, held-out {len(held_ids)}", flush=True)

        # ---- model ----
        V, P = len(tok.vocab), args.n_positions
        model = GPT2(V, P, args.n_embd, args.n_layer, args.n_head, args.dropout)
        n_params = sum(p.numel() for p in model.parameters())
        print(f"model: {n_params} params", flush=True)
        decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
        no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                                 {"params": no_decay, "weight_decay": 0.0}],
                                lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
        rng = np.random.default_rng(args.seed)
        B = args.batch_size

        def lr_at(step):
            if step < args.warmup:
                return args.lr * (step + 1) / args.warmup
            prog = (step - args.warmup) / max(1, args.steps - args.warmup)
            return args.lr * (args.min_lr_frac + (1 - args.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * prog)))

        log = []
        t_train = time.time()
        model.train()
        for step in range(args.steps):
            # random windows of P+1 tokens; some start with <|endoftext|> (BOS)
            starts = rng.integers(0, len(train_ids) - P - 1, size=B)
            bos = rng.random(B) < args.eot_prob
            xb = np.empty((B, P + 1), dtype=np.int64)
            for r in range(B):
                if bos[r]:
                    xb[r, 0] = tok.eot
                    xb[r, 1:] = train_ids[starts[r]:starts[r] + P]
                else:
                    xb[r] = train_ids[starts[r]:starts[r] + P + 1]
            xb = torch.from_numpy(xb)
            for gr in opt.param_groups:
                gr["lr"] = lr_at(step)
            logits = model(xb[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, V), xb[:, 1:].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            if step % args.log_every == 0:
                el = time.time() - t_train
                print(f"step {step} loss {loss.item():.4f} lr {lr_at(step):.2e} {el:.0f}s ({el / (step + 1):.3f}s/step)", flush=True)
            if (step + 1) % args.eval_every == 0 or step + 1 == args.steps:
                model.eval()
                ce, n, _ = heldout_ce(model, held_ids, P)
                model.train()
                el = time.time() - t_train
                print(f"== step {step + 1} train-batch loss {loss.item():.4f} held-out CE {ce:.4f} ppl {math.exp(ce):.2f} ({el:.0f}s)", flush=True)
                log.append({"step": step + 1, "train_batch_loss": round(loss.item(), 4), "heldout_ce": round(ce, 4), "elapsed_s": round(el, 1)})
        train_time = time.time() - t_train
        print(f"training took {train_time:.1f}s", flush=True)

        cfg = {
            "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
            "vocab_size": V, "n_positions": P, "n_ctx": P, "n_embd": args.n_embd,
            "n_layer": args.n_layer, "n_head": args.n_head, "n_inner": None,
            "activation_function": "gelu_new", "layer_norm_epsilon": 1e-05,
            "resid_pdrop": args.dropout, "embd_pdrop": args.dropout, "attn_pdrop": args.dropout,
            "initializer_range": 0.02, "scale_attn_weights": True,
            "scale_attn_by_inverse_layer_idx": False, "reorder_and_upcast_attn": False,
            "tie_word_embeddings": True, "bos_token_id": tok.eot, "eos_token_id": tok.eot,
            "torch_dtype": {"F32": "float32", "F16": "float16"}[args.dtype],
        }
        with open(cfg_path, "w") as f:
            json.dump(cfg, f, indent=2)
            f.write("\n")
        write_safetensors(st_path, hf_state(model), args.dtype)
        train_info = {
            "n_params": n_params,
            "train_wall_time_s": round(train_time, 1),
            "total_wall_time_s_until_export": round(time.time() - t_start, 1),
            "log": log,
        }
    else:
        # keep the training record of the run that produced the weights
        p = os.path.join(args.out, "manifest.json")
        if os.path.exists(p):
            old = json.load(open(p, encoding="utf-8")).get("training", {})
            train_info = {k: old[k] for k in ("train_wall_time_s", "total_wall_time_s_until_export", "log") if k in old}

    # ---------------- reload from disk & build manifest ----------------
    cfg = json.load(open(cfg_path))
    vocab = json.load(open(merges_path.replace("merges.txt", "vocab.json"), encoding="utf-8"))
    merge_lines = open(merges_path, encoding="utf-8").read().split("\n")
    assert merge_lines[0] == "#version: 0.2"
    merges = [tuple(l.split(" ")) for l in merge_lines[1:] if l]
    tok = Tokenizer(merges)
    assert tok.vocab == vocab, "vocab.json disagrees with merges.txt"
    held_ids = tok.encode(held_text)
    train_ids_len = len(tok.encode(train_text))

    # Check that tiktoken-style encoding (ids as ranks) equals GPT-2 merge-rank
    # encoding on every pre-token of the whole corpus.
    byte_ranks = {bytes(BYTE_DECODER[c] for c in s): i for s, i in tok.vocab.items() if s != EOT}
    mism = 0
    uniq = set(pretokenize(text))
    for p in uniq:
        if tiktoken_encode(p.encode("utf-8"), byte_ranks) != tok.bpe(to_unicode_word(p)):
            mism += 1
    print(f"tiktoken-style vs merge-rank BPE: {mism} mismatching pre-tokens of {len(uniq)}", flush=True)

    W = read_safetensors(st_path)
    model = model_from_hf(W, cfg)  # weights exactly as stored (F16 rounded if F16), float32 compute
    P = cfg["n_positions"]
    n_params = sum(a.size for a in W.values())

    ce, n_scored, n_windows = heldout_ce(model, held_ids, P)
    print(f"held-out CE {ce:.6f} nats/token, ppl {math.exp(ce):.3f}, {n_scored} scored tokens in {n_windows} windows", flush=True)

    # fixed prompts
    prompts = [("Light is", tok.encode("Light is")),
               ("The Rays of", tok.encode("The Rays of")),
               (EOT, [tok.eot])]
    start = len(held_ids) // 3
    passage_ids = held_ids[start:start + 40]
    passage = tok.decode(passage_ids)
    passage_ids = tok.encode(passage)
    prompts.append((passage, passage_ids))
    ref = []
    max_abs_diff = 0.0
    for ptext, ids in prompts:
        with torch.no_grad():
            lg = model(torch.tensor([ids]))[0].float().numpy()
        npl = numpy_forward(W, cfg, ids)
        d = float(np.abs(npl - lg).max())
        max_abs_diff = max(max_abs_diff, d)
        print(f"prompt {ptext[:30]!r}: {len(ids)} tokens, torch vs numpy max |diff| {d:.2e}, argmax next {tok.decode([int(lg[-1].argmax())])!r}", flush=True)
        ref.append({"text": ptext, "ids": ids, "logits": [round_list(row) for row in lg]})
    assert max_abs_diff < 1e-3, "torch and numpy forward disagree (layout bug?)"

    # consistency with the numbers measured during training (catches export bugs)
    if train_info.get("log"):
        last = train_info["log"][-1]["heldout_ce"]
        print(f"held-out CE during training {last}, from file {ce:.4f}", flush=True)
        assert abs(last - ce) < (0.02 if cfg.get("torch_dtype") == "float16" else 1e-3)

    corpus_words = set(w.lower() for w in regex.findall(r"[A-Za-z]+", text))
    samples = []
    ok_total = n_total = 0
    for seed, ptext in [(1, "Light is"), (2, "Light is"), (3, "Light is"), (4, EOT)]:
        pids = tok.encode(ptext)
        out = sample(model, pids, 60, 0.8, 40, seed, P)
        cont = tok.decode(out[len(pids):])
        frac, ok, nw = word_fraction(cont, corpus_words)
        ok_total += ok
        n_total += nw
        samples.append({"prompt": ptext, "seed": seed, "temperature": 0.8, "top_k": 40, "new_tokens": 60,
                        "ids": out, "text": tok.decode(out), "corpus_word_fraction": round(frac, 4), "words": nw})
        print(f"--- sample seed {seed} ({frac:.3f} corpus words)\n{tok.decode(out)}\n", flush=True)
    g_ids = greedy(model, tok.encode("Light is"), 30, P)
    print(f"--- greedy\n{tok.decode(g_ids)}\n", flush=True)

    manifest = {
        "description": "Demo GPT-2 trained from scratch on Isaac Newton's Opticks (Go's src/testdata/Isaac.Newton-Opticks.txt) by tools/demomodel/train.py",
        "files": {name: {"sha256": sha256(os.path.join(args.out, name)), "bytes": os.path.getsize(os.path.join(args.out, name))}
                  for name in ["config.json", "model.safetensors", "vocab.json", "merges.txt"]},
        "corpus": {"file": "$GOROOT/src/testdata/Isaac.Newton-Opticks.txt", "sha256": hashlib.sha256(raw).hexdigest(),
                   "chars": len(text), "split": "train = text[:cut], held-out = text[cut:], cut = 1 + index of first '\\n' at or after char int(0.9*chars)",
                   "cut_char": cut, "train_chars": len(train_text), "heldout_chars": len(held_text),
                   "train_tokens": train_ids_len, "heldout_tokens": len(held_ids)},
        "tokenizer": {"type": "GPT-2 byte-level BPE (bytes_to_unicode + GPT-2 pre-tokenization regex), trained on the train split",
                      "vocab_size": len(tok.vocab), "n_merges": len(merges), "byte_tokens": 256,
                      "eot_token": EOT, "eot_id": tok.eot,
                      "ids": "0..255 byte tokens in bytes_to_unicode order, then 256+k = result of merge k, then <|endoftext|> last; id order == merge rank",
                      "tiktoken_style_mismatches_on_corpus_pretokens": mism},
        "model": {k: cfg[k] for k in ["vocab_size", "n_positions", "n_embd", "n_layer", "n_head"]} | {"n_params": int(n_params), "dtype": cfg.get("torch_dtype")},
        "training": {"steps": args.steps, "batch_size": args.batch_size, "seq_len": args.n_positions, "tokens_seen": args.steps * args.batch_size * args.n_positions,
                     "optimizer": "AdamW betas=(0.9,0.95) eps=1e-8, weight decay on >=2-D tensors only, grad clip 1.0",
                     "lr": args.lr, "warmup_steps": args.warmup, "schedule": "linear warmup then cosine to min_lr_frac*lr", "min_lr_frac": args.min_lr_frac,
                     "weight_decay": args.weight_decay, "dropout": args.dropout, "eot_prob": args.eot_prob, "seed": args.seed, "threads": args.threads,
                     "init": "normal(0,0.02), c_proj weights normal(0,0.02/sqrt(2*n_layer)), biases 0, LayerNorm 1/0",
                     "torch_version": torch.__version__} | {k: v for k, v in train_info.items() if k != "n_params"},
        "heldout_eval": {
            "protocol": ("held-out text tokenized as one stream with this BPE (no <|endoftext|> added); split into non-overlapping windows "
                         "ids[k*n_positions:(k+1)*n_positions] for k=0,1,... (the last window is shorter and kept if it has >= 2 tokens); "
                         "in each window the token at position j (j=1..len-1) is predicted from positions 0..j-1 of that window only; "
                         "CE = sum of -log softmax(logits)[target] over all scored tokens / number of scored tokens, natural log, computed by "
                         "PyTorch in float32 (summed in float64) from the weights as stored in model.safetensors"),
            "window": P, "windows": n_windows, "scored_tokens": n_scored, "heldout_tokens": len(held_ids),
            "cross_entropy_nats_per_token": round(ce, 6), "perplexity": round(math.exp(ce), 4),
            "bits_per_char": round(ce * n_scored / math.log(2) / len(held_text), 4)},
        "reference_logits": {"note": "float32 logits from PyTorch for every position of each prompt (row j = logits predicting token j+1), 8 significant digits",
                             "torch_vs_numpy_float64_max_abs_diff": max_abs_diff,
                             "prompts": ref},
        "greedy": {"prompt": "Light is", "new_tokens": 30, "ids": g_ids, "text": tok.decode(g_ids)},
        "samples": samples,
        "samples_corpus_word_fraction": round(ok_total / max(1, n_total), 4),
    }
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, separators=(",", ":"))
    total = sum(os.path.getsize(os.path.join(args.out, n)) for n in ["config.json", "model.safetensors", "vocab.json", "merges.txt", "manifest.json"])
    print(f"total checkpoint size {total} bytes", flush=True)
    print(f"done in {time.time() - t_start:.0f}s", flush=True)


if __name__ == "__main__":
    main()
