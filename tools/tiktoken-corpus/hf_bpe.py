"""Independent reference for package tokenizer's Hugging Face (vocab.json +
merges.txt) path: Hugging Face / OpenAI GPT-2 byte-level BPE in plain Python
(bytes_to_unicode, the GPT-2 regex via the `regex` module, and the
pair-rank merge loop of GPT-2's encoder.py). It shares no code with tiktoken.

Regenerate (by hand, not by CI), after gen.mjs:

    cd tools/tiktoken-corpus && python3 hf_bpe.py

It writes, under tokenizer/testdata/tiny/:
  vocab.json, merges.txt  a tiny GPT-2-format vocabulary trained here on a
                          short text: 256 byte tokens, 80 merges whose ids are
                          shuffled (so ranks != ids), and <|endoftext|>;
  expected.json           the reference ids of every corpus string of
                          ../tiktoken_gpt2.json with that vocabulary.
It also checks that this BPE, run with GPT-2's merges (rebuilt from the
r50k_base ranks of the npm tiktoken package), gives tiktoken's ids on the
whole corpus.
"""

import base64
import json
import os
import random

import regex

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.join(HERE, "..", "..", "tokenizer", "testdata")
PAT = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
EOT = "<|endoftext|>"


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


B2U = bytes_to_unicode()


def get_pairs(word):
    return set(zip(word, word[1:]))


def bpe(token, ranks):
    """GPT-2 encoder.py's bpe: merge the lowest-ranked listed pair, all occurrences."""
    word = tuple(token)
    pairs = get_pairs(word)
    if not pairs:
        return [token]
    while True:
        bigram = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if bigram not in ranks:
            break
        first, second = bigram
        new_word = []
        i = 0
        while i < len(word):
            try:
                j = word.index(first, i)
            except ValueError:
                new_word.extend(word[i:])
                break
            new_word.extend(word[i:j])
            i = j
            if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                new_word.append(first + second)
                i += 2
            else:
                new_word.append(word[i])
                i += 1
        word = tuple(new_word)
        if len(word) == 1:
            break
        pairs = get_pairs(word)
    return list(word)


def encode_ordinary(text, vocab, ranks):
    ids = []
    for piece in PAT.findall(text):
        token = "".join(B2U[b] for b in piece.encode("utf-8"))
        ids.extend(vocab[t] for t in bpe(token, ranks))
    return ids


def encode_special(text, vocab, ranks):
    ids = []
    parts = text.split(EOT)
    for i, part in enumerate(parts):
        if i > 0:
            ids.append(vocab[EOT])
        ids.extend(encode_ordinary(part, vocab, ranks))
    return ids


TRAIN = """The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs.
It's the thing they're doing: we've seen it, I'm sure, you'll see, he'd know.
func main() {
	fmt.Println("hello, world")
}
def f(x):
    return x * 2 + 1

In 2024 there were 1234567 tokens in the corpus and the tokenizer encoded them.
Tiếng Việt có dấu. 我爱自然语言处理。 Привет, мир! 🙂🙂🙂
the the the there then these those this that with without within when where
"""


def train(text, n_merges):
    words = {}
    for piece in PAT.findall(text):
        w = tuple(B2U[b] for b in piece.encode("utf-8"))
        words[w] = words.get(w, 0) + 1
    merges = []
    for _ in range(n_merges):
        counts = {}
        for w, c in words.items():
            for p in zip(w, w[1:]):
                counts[p] = counts.get(p, 0) + c
        if not counts:
            break
        best = max(counts, key=lambda p: (counts[p], p))
        merges.append(best)
        new = {}
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i < len(w) - 1 and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + c
        words = new
    return merges


def write_tiny(cases):
    merges = train(TRAIN, 80)
    vocab = {B2U[b]: i for i, b in enumerate(sorted(B2U, key=lambda b: ord(B2U[b])))}
    ids = list(range(256, 256 + len(merges)))
    random.Random(1).shuffle(ids)
    for (a, b), i in zip(merges, ids):
        vocab[a + b] = i
    vocab[EOT] = 256 + len(merges)
    ranks = {m: i for i, m in enumerate(merges)}

    d = os.path.join(TESTDATA, "tiny")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(d, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    out = []
    for c in cases:
        out.append({"name": c["name"], "ids": encode_ordinary(c["text"], vocab, ranks),
                    "special": encode_special(c["text"], vocab, ranks)})
    with open(os.path.join(d, "expected.json"), "w", encoding="utf-8") as f:
        f.write('{"generator": "tools/tiktoken-corpus/hf_bpe.py", "cases": [\n')
        f.write(",\n".join(json.dumps(o) for o in out))
        f.write("\n]}\n")
    print(f"wrote tiny/: {len(merges)} merges, {len(out)} cases")


def check_gpt2(cases):
    """Rebuild GPT-2's merges from r50k_base ranks and compare with tiktoken."""
    path = os.path.join(HERE, "node_modules", "tiktoken", "encoders", "r50k_base.json")
    with open(path) as f:
        fields = json.load(f)["bpe_ranks"].split(" ")
    toks = [base64.b64decode(t) for t in fields[2:]]
    rank = {t: i for i, t in enumerate(toks)}

    def split(t, max_rank):  # tiktoken's merge loop below max_rank
        parts = [t[i:i + 1] for i in range(len(t))]
        while len(parts) > 2:
            best = None
            for i in range(len(parts) - 1):
                r = rank.get(parts[i] + parts[i + 1])
                if r is not None and r < max_rank and (best is None or r < best[0]):
                    best = (r, i)
            if best is None:
                break
            i = best[1]
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        return parts

    u = lambda b: "".join(B2U[x] for x in b)
    vocab = {u(t): i for i, t in enumerate(toks)}
    vocab[EOT] = 50256
    ranks = {}
    for i, t in enumerate(toks[256:], start=256):
        a, b = split(t, i)
        ranks[(u(a), u(b))] = i
    bad = 0
    for c in cases:
        if encode_ordinary(c["text"], vocab, ranks) != c["ids"] or encode_special(c["text"], vocab, ranks) != c["special"]:
            print("MISMATCH", c["name"])
            bad += 1
    print(f"gpt2: HF BPE vs tiktoken on {len(cases)} cases: {bad} mismatches")
    if bad:
        raise SystemExit(1)


def main():
    with open(os.path.join(TESTDATA, "tiktoken_gpt2.json"), encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    write_tiny(cases)
    check_gpt2(cases)


if __name__ == "__main__":
    main()
