// r50k.mjs writes ../../tokenizer/r50k_base.gz, the GPT-2 (r50k_base) mergeable
// ranks embedded by package tokenizer, from the MIT-licensed npm package
// tiktoken (https://github.com/dqbd/tiktoken), which ships OpenAI's ranks.
//
// Regenerate (by hand, not by CI):
//
//	cd tools/tiktoken-corpus && npm install && node r50k.mjs
//
// Format, after gzip: for rank 0, 1, ..., 50255 in order, one byte holding the
// token's length n (1..255) followed by the token's n raw bytes. The rank of a
// token is its GPT-2 id; <|endoftext|> (50256) is not stored.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";

const require = createRequire(import.meta.url);
const path = require.resolve("tiktoken/encoders/r50k_base.json");
const enc = JSON.parse(readFileSync(path, "utf8"));

// bpe_ranks is "! <first rank> <base64 token> <base64 token> ...", ranks consecutive.
const fields = enc.bpe_ranks.split(" ");
if (fields[0] !== "!" || fields[1] !== "0") throw new Error("unexpected bpe_ranks header");
const toks = fields.slice(2).map((b) => Buffer.from(b, "base64"));
if (toks.length !== 50256) throw new Error(`got ${toks.length} ranks, want 50256`);
if (enc.special_tokens["<|endoftext|>"] !== 50256) throw new Error("unexpected <|endoftext|> id");

const parts = [];
for (const t of toks) {
  if (t.length < 1 || t.length > 255) throw new Error(`token length ${t.length}`);
  parts.push(Buffer.from([t.length]), t);
}
const out = gzipSync(Buffer.concat(parts), { level: 9 });
writeFileSync(new URL("../../tokenizer/r50k_base.gz", import.meta.url), out);
console.log(`wrote r50k_base.gz: ${toks.length} ranks, ${out.length} bytes`);
