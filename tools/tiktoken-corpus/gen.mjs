// gen.mjs writes ../../tokenizer/testdata/tiktoken_gpt2.json: a corpus of
// tricky strings and the ids OpenAI's tiktoken (npm package tiktoken, the
// WASM build of the Rust core) gives them with get_encoding("gpt2").
//
// Regenerate (by hand, not by CI), then rerun hf_bpe.py, which reads this file:
//
//	cd tools/tiktoken-corpus && npm install && node gen.mjs && python3 hf_bpe.py
//
// For each case, "ids" is encode(text, allowed_special=[], disallowed_special=[])
// (the special token is ordinary text) and "special" is
// encode(text, allowed_special="all"). Both round-trip through decode.
import { writeFileSync } from "node:fs";
import { get_encoding } from "tiktoken";

const long = (s, n) => s.repeat(n);

const corpus = [
  ["empty", ""],
  ["space", " "],
  ["two spaces", "  "],
  ["many spaces", long(" ", 37)],
  ["newline", "\n"],
  ["three newlines", "\n\n\n"],
  ["space newline space", " \n "],
  ["spaces before word", "hello     world"],
  ["trailing spaces", "trailing spaces   "],
  ["trailing newline spaces", "end\n   "],
  ["tabs", "\tindent\t\ttabs\t"],
  ["crlf", "line one\r\nline two\r\n\r\n"],
  ["mixed whitespace", " \t \n\u00a0\u3000 x \u2028y\u0085z"],
  ["hello", "Hello, world!"],
  ["sentence", "The quick brown fox jumps over the lazy dog."],
  ["contractions", "it's don't they're we've I'm you'll he'd"],
  ["uppercase contractions", "IT'S DON'T THEY'RE WE'VE I'M YOU'LL HE'D"],
  ["contraction mid", "rock'n'roll o'clock 'sup 's 't"],
  ["curly apostrophe", "it\u2019s don\u2019t"],
  ["digits", "1234567"],
  ["numbers", "3.14159 2,718 1e-9 0x1F -42 +7 100%"],
  ["year and digits", "In 2024 we had 1000000 tokens and 12 345 678 more."],
  ["emoji", "I love 🍕 and 🎉!"],
  ["emoji zwj family", "👨‍👩‍👧‍👦 family"],
  ["emoji skin tone", "👍🏽👋🏿"],
  ["flags", "🇺🇸🇯🇵🇫🇷 flags"],
  ["keycap", "1️⃣ #️⃣"],
  ["cjk chinese", "我爱自然语言处理。"],
  ["cjk japanese", "日本語のテキスト、ひらがなとカタカナ。"],
  ["korean", "안녕하세요 세계"],
  ["vietnamese nfc", "Tiếng Việt có dấu: người, được, những."],
  ["vietnamese nfd", "Tiếng Việt có dấu: người, được, những.".normalize("NFD")],
  ["arabic", "مرحبا بالعالم! السلام عليكم"],
  ["hebrew", "שלום עולם"],
  ["hindi", "नमस्ते दुनिया"],
  ["thai", "สวัสดีชาวโลก"],
  ["russian", "Привет, мир! Съешь же ещё этих мягких французских булок."],
  ["greek", "Γειά σου Κόσμε"],
  ["mixed scripts", "English, русский, 中文, العربية, and emoji 🙂 in one line."],
  ["go code", "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hi\")\n}\n"],
  ["python code", "def f(x):\n    if x > 0:\n        return x ** 2\n    return -x\n\n\nprint(f(3))\n"],
  ["json", "{\"key\": [1, 2.5, true, null], \"nested\": {\"a\": \"b\"}}"],
  ["url", "https://example.com/path/to/page?query=1&x=y#frag"],
  ["email", "someone.else+tag@example.co.uk"],
  ["markdown", "# Title\n\n- item *one*\n- item **two**\n\n```go\nx := 1\n```"],
  ["repeated punctuation", "!!!??? ... --- *** ==== ,,,,"],
  ["ellipsis and dashes", "wait… what—really?!"],
  ["endoftext inside", "Hello<|endoftext|>World"],
  ["endoftext alone", "<|endoftext|>"],
  ["endoftext twice", "a <|endoftext|><|endoftext|> b"],
  ["endoftext broken", "<|endoftext| <|endoftext <endoftext|>"],
  ["replacement char", "bad \ufffd byte \ufffd\ufffd"],
  ["combining marks", "e\u0301 a\u0300\u0316 Z\u0351\u0364\u036b\u0343"],
  ["control chars", "a\u0000b\u0001c\u001bd\u007fe\u0008"],
  ["zero width", "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom"],
  ["long word", "supercalifragilisticexpialidocious" + long("abc", 100)],
  ["long letters", long("a", 1000)],
  ["long digits", long("9876543210", 50)],
  ["long punctuation", long("=-", 300)],
  ["long spaces then word", long(" ", 200) + "x"],
  ["long newlines", long("\n", 100) + "end"],
  ["camel and snake", "camelCaseIdentifier snake_case_identifier SCREAMING_CASE"],
  ["math symbols", "∀x ∈ ℝ: x² ≥ 0 ⇒ √(x²) = |x|"],
  ["currency", "$100 €50 £20 ¥1000 ₿0.01"],
  ["html", "<div class=\"a\">Hello &amp; goodbye</div>"],
  ["quotes", "\"double\" 'single' «guillemets» „german“"],
  ["latin accents", "naïve café résumé façade Ångström"],
  ["fullwidth", "ＦＵＬＬＷＩＤＴＨ　ｔｅｘｔ１２３"],
  ["private use and rare", "\ue000\uf8ff \u{1d11e} \u{10348}"],
  ["newline before word", "a\nb\n\nc \n\nd"],
];

const enc = get_encoding("gpt2");
const dec = new TextDecoder("utf-8", { fatal: true });
const cases = corpus.map(([name, text]) => {
  const ids = Array.from(enc.encode(text, [], []));
  const special = Array.from(enc.encode(text, "all", []));
  for (const got of [ids, special]) {
    const back = dec.decode(enc.decode(new Uint32Array(got)));
    if (back !== text) throw new Error(`${name}: decode does not round-trip`);
  }
  return { name, text, ids, special };
});
enc.free();

// One case per line keeps diffs readable.
const out =
  '{"generator": "tools/tiktoken-corpus/gen.mjs", "encoding": "gpt2", "cases": [\n' +
  cases.map((c) => JSON.stringify(c)).join(",\n") +
  "\n]}\n";
writeFileSync(new URL("../../tokenizer/testdata/tiktoken_gpt2.json", import.meta.url), out);
console.log(`wrote tiktoken_gpt2.json: ${cases.length} cases`);
