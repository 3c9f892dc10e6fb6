#include "suites/fingerprint.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "suites/cards.h"
#include "suites/loaders.h"
#include "suites/sha256.h"

namespace rigor {
namespace {

constexpr const char* kUnitsFile = "units.toml";

std::string required_str(CardReader& r, std::string_view key) { return r.required(r.str(key), key); }

// A unit id is also a TOML bare key in every family card.
bool valid_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

void parse_units(FingerprintCards& cards, const std::string& text, const std::string& name) {
  toml::table root = parse_card_toml(text, name);
  CardReader top(root, name, "");
  const toml::table* probe = top.table("probe");
  if (!probe) top.fail(nullptr, "probe", "required table is missing");
  CardReader p(*probe, name, "probe");
  cards.lead = required_str(p, "lead");
  cards.tail = required_str(p, "tail");
  int64_t max_k = p.required(p.integer("max_k"), "max_k");
  if (max_k < 1 || max_k > 1000) p.fail(p.node("max_k"), "max_k", "must be in 1..1000");
  cards.max_k = static_cast<int>(max_k);
  std::string digest = required_str(p, "digest");
  p.finish();

  const toml::node* units = top.node("unit");
  if (!units || !units->is_array_of_tables()) top.fail(units, "unit", "expected [[unit]] tables");
  std::set<std::string> seen;
  size_t i = 0;
  for (const toml::node& n : *units->as_array()) {
    CardReader u(*n.as_table(), name, fmt::format("unit[{}]", i++));
    ProbeUnit unit{required_str(u, "id"), required_str(u, "text"), required_str(u, "what")};
    if (!valid_id(unit.id)) u.fail(u.node("id"), "id", "must be lower-case letters, digits, '-' or '_'");
    if (!seen.insert(unit.id).second) u.fail(u.node("id"), "id", fmt::format("duplicate unit \"{}\"", unit.id));
    if (unit.text.empty()) u.fail(u.node("text"), "text", "must not be empty");
    u.finish();
    cards.units.push_back(std::move(unit));
  }
  if (cards.units.empty()) top.fail(units, "unit", "no probe units");
  top.finish();
  if (digest != probe_set_digest(cards))
    p.fail(p.node("digest"), "digest",
           "does not match the units and probe text in this file (edited by hand? re-run scripts/fingerprint-cards)");
}

TokenizerCard parse_family(const FingerprintCards& cards, const std::string& text, const std::string& name) {
  toml::table root = parse_card_toml(text, name);
  CardReader top(root, name, "");
  const toml::table* tok = top.table("tokenizer");
  if (!tok) top.fail(nullptr, "tokenizer", "required table is missing");
  CardReader t(*tok, name, "tokenizer");
  TokenizerCard card;
  card.source = name;
  card.family = required_str(t, "family");
  if (!valid_id(card.family)) t.fail(t.node("family"), "family", "must be lower-case letters, digits, '-' or '_'");
  card.models = t.required(t.str_list("models"), "models");
  card.note = required_str(t, "note");
  card.package = required_str(t, "package");
  card.version = required_str(t, "version");
  card.file = required_str(t, "file");
  card.sha256 = required_str(t, "sha256");
  if (card.sha256.size() != 64 || card.sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
    t.fail(t.node("sha256"), "sha256", "expected 64 lower-case hex digits");
  card.vocab_size = t.required(t.integer("vocab_size"), "vocab_size");
  if (card.vocab_size < 1) t.fail(t.node("vocab_size"), "vocab_size", "must be >= 1");
  card.also_counted = t.required(t.str_list("also_counted"), "also_counted");
  card.counted_with = required_str(t, "counted_with");
  if (required_str(t, "probe_digest") != probe_set_digest(cards))
    t.fail(t.node("probe_digest"), "probe_digest",
           fmt::format("was computed for other probe units than {} (stale card: re-run scripts/fingerprint-cards)",
                       kUnitsFile));
  t.finish();

  const toml::table* counts = top.table("counts");
  if (!counts) top.fail(nullptr, "counts", "required table is missing");
  CardReader c(*counts, name, "counts");
  for (const ProbeUnit& u : cards.units) {
    int64_t n = c.required(c.integer(u.id), u.id);
    if (n < 1) c.fail(c.node(u.id), u.id, "a unit's count must be >= 1");
    card.counts[u.id] = n;
  }
  c.finish();  // a count for a unit units.toml does not have
  top.finish();
  return card;
}

}  // namespace

const ProbeUnit* FingerprintCards::unit(std::string_view id) const {
  for (const auto& u : units)
    if (u.id == id) return &u;
  return nullptr;
}

const TokenizerCard* FingerprintCards::family(std::string_view name) const {
  for (const auto& f : families)
    if (f.family == name) return &f;
  return nullptr;
}

std::vector<std::string> FingerprintCards::family_names() const {
  std::vector<std::string> out;
  for (const auto& f : families) out.push_back(f.family);
  return out;
}

std::string probe_set_digest(const FingerprintCards& cards) {
  std::string s;
  auto add = [&s](std::string_view part) {
    s.append(part);
    s.push_back('\0');
  };
  add(cards.lead);
  add(cards.tail);
  add(std::to_string(cards.max_k));
  for (const auto& u : cards.units) {
    add(u.id);
    add(u.text);
  }
  return sha256_hex(s);
}

FingerprintCards parse_fingerprint_cards(const std::string& units_text, const std::string& units_name,
                                         const std::vector<std::pair<std::string, std::string>>& family_cards) {
  FingerprintCards cards;
  parse_units(cards, units_text, units_name);
  for (const auto& [text, name] : family_cards) {
    TokenizerCard card = parse_family(cards, text, name);
    if (const TokenizerCard* other = cards.family(card.family))
      throw SuiteError(fmt::format("{}: tokenizer.family: \"{}\" is already defined by {}", name, card.family,
                                   other->source));
    cards.families.push_back(std::move(card));
  }
  if (cards.families.empty()) throw SuiteError(fmt::format("{}: no tokenizer family cards beside it", units_name));
  std::sort(cards.families.begin(), cards.families.end(),
            [](const TokenizerCard& a, const TokenizerCard& b) { return a.family < b.family; });
  return cards;
}

FingerprintCards load_fingerprint_cards(const std::string& dir) {
  std::string units_path;
  std::vector<std::pair<std::string, std::string>> families;
  for (const std::string& path : card_files(dir)) {
    std::string text = detail::read_file_bytes(path, "fingerprint card");
    if (std::filesystem::path(path).filename() == kUnitsFile) {
      units_path = path;
      continue;
    }
    families.emplace_back(std::move(text), path);
  }
  if (units_path.empty()) throw SuiteError(fmt::format("{}: no {} (the probe units)", dir, kUnitsFile));
  return parse_fingerprint_cards(detail::read_file_bytes(units_path, "fingerprint card"), units_path, families);
}

FingerprintCards load_fingerprint_cards() {
  return load_fingerprint_cards((std::filesystem::path(cards_dir()) / "tokenizers").string());
}

const FingerprintCards& bundled_fingerprint_cards() {
  static const FingerprintCards cards = load_fingerprint_cards();
  return cards;
}

std::string probe_prompt(const FingerprintCards& cards, const ProbeUnit& unit, int k) {
  if (k < 1 || k > cards.max_k)
    throw std::invalid_argument(fmt::format("probe repetitions {} outside 1..{}", k, cards.max_k));
  std::string out = cards.lead;
  for (int i = 0; i < k; ++i) out += unit.text;
  out += cards.tail;
  return out;
}

std::optional<ProbeMatch> match_probe_prompt(const FingerprintCards& cards, std::string_view prompt) {
  if (prompt.size() < cards.lead.size() + cards.tail.size() || !prompt.starts_with(cards.lead) ||
      !prompt.ends_with(cards.tail))
    return std::nullopt;
  std::string_view body = prompt.substr(cards.lead.size(), prompt.size() - cards.lead.size() - cards.tail.size());
  for (const ProbeUnit& u : cards.units) {
    if (body.size() % u.text.size() != 0) continue;
    const size_t k = body.size() / u.text.size();
    if (k < 1 || k > static_cast<size_t>(cards.max_k)) continue;
    bool all = true;
    for (size_t i = 0; all && i < k; ++i) all = body.substr(i * u.text.size(), u.text.size()) == u.text;
    if (all) return ProbeMatch{&u, static_cast<int>(k)};
  }
  return std::nullopt;
}

const char* to_string(FitStatus s) {
  switch (s) {
    case FitStatus::kExact: return "exact";
    case FitStatus::kNoUsage: return "no usage";
    case FitStatus::kTooFewPoints: return "too few points";
    case FitStatus::kNonIntegerSlope: return "non-integer slope";
    case FitStatus::kOffLine: return "point off the line";
    case FitStatus::kImpossibleSlope: return "impossible slope";
    case FitStatus::kImpossibleIntercept: return "impossible intercept";
  }
  return "?";
}

LineFit fit_probe_line(std::span<const ProbePoint> points) {
  LineFit fit;
  for (const auto& p : points) {
    if (p.prompt_tokens < 0) {
      fit.status = FitStatus::kNoUsage;
      fit.detail = fmt::format("k={}: the server reported no prompt token count", p.k);
      return fit;
    }
  }
  std::set<int64_t> ks;
  for (const auto& p : points) ks.insert(p.k);
  if (ks.size() < 3) {
    fit.detail = fmt::format("{} distinct repetition counts; an exact line needs 3 or more", ks.size());
    return fit;
  }
  auto at = [&](int64_t k) {
    return std::find_if(points.begin(), points.end(), [k](const ProbePoint& p) { return p.k == k; })->prompt_tokens;
  };
  const int64_t k0 = *ks.begin(), k1 = *ks.rbegin();
  const int64_t t0 = at(k0), t1 = at(k1);
  if ((t1 - t0) % (k1 - k0) != 0) {
    fit.status = FitStatus::kNonIntegerSlope;
    fit.detail = fmt::format("k={} gives {} tokens and k={} gives {}: {}/{} tokens per unit", k0, t0, k1, t1, t1 - t0,
                             k1 - k0);
    return fit;
  }
  fit.slope = (t1 - t0) / (k1 - k0);
  fit.intercept = t0 - fit.slope * k0;
  for (const auto& p : points) {
    const int64_t expect = fit.intercept + fit.slope * p.k;
    if (p.prompt_tokens != expect) {
      fit.status = FitStatus::kOffLine;
      fit.detail = fmt::format("k={} gives {} tokens; the line {} + {}·k says {}", p.k, p.prompt_tokens, fit.intercept,
                               fit.slope, expect);
      return fit;
    }
  }
  if (fit.slope <= 0) {
    fit.status = FitStatus::kImpossibleSlope;
    fit.detail = fmt::format("{} tokens per repetition of the unit", fit.slope);
    return fit;
  }
  if (fit.intercept <= 0) {
    fit.status = FitStatus::kImpossibleIntercept;
    fit.detail = fmt::format("{} tokens for the prompt without the unit", fit.intercept);
    return fit;
  }
  fit.status = FitStatus::kExact;
  return fit;
}

FamilyDecision decide_family(const FingerprintCards& cards, std::span<const UnitSlope> slopes) {
  for (const auto& s : slopes) {
    if (!cards.unit(s.unit)) throw std::invalid_argument(fmt::format("unit \"{}\" is not on the cards", s.unit));
  }
  FamilyDecision d;
  for (const TokenizerCard& f : cards.families) {
    std::string why;  // every unit that differs, so the user sees how far off the family is
    for (const auto& s : slopes) {
      const int64_t expect = f.counts.at(s.unit);
      if (expect != s.slope) {
        why += fmt::format("{}{} is {} on its card, measured {}", why.empty() ? f.family + ": " : "; ", s.unit, expect,
                           s.slope);
      }
    }
    if (why.empty()) d.consistent.push_back(f.family);
    else d.mismatches.push_back(std::move(why));
  }
  if (d.consistent.size() == 1) d.family = d.consistent.front();
  return d;
}

std::vector<ProbeStep> plan_probes(const FingerprintCards& cards, int separations, std::vector<int> ks) {
  std::sort(ks.begin(), ks.end());
  ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
  if (ks.size() < 3 || ks.front() < 1 || ks.back() > cards.max_k)
    throw std::invalid_argument(fmt::format("probe repetitions need 3 distinct values in 1..{}", cards.max_k));
  if (separations < 1) throw std::invalid_argument("separations must be >= 1");

  const auto& fam = cards.families;
  std::vector<std::pair<size_t, size_t>> pairs;
  for (size_t a = 0; a < fam.size(); ++a)
    for (size_t b = a + 1; b < fam.size(); ++b) pairs.emplace_back(a, b);
  std::vector<int> told(pairs.size(), 0);  // units so far that tell each pair apart
  std::vector<bool> used(cards.units.size(), false);
  std::vector<ProbeStep> plan;
  auto short_pairs = [&] { return std::count_if(told.begin(), told.end(), [&](int t) { return t < separations; }); };
  while (short_pairs() > 0) {
    int best = -1;
    std::pair<int, int64_t> best_score{0, 0};
    for (size_t u = 0; u < cards.units.size(); ++u) {
      if (used[u]) continue;
      const std::string& id = cards.units[u].id;
      int gains = 0;
      int64_t min_gap = INT64_MAX;
      for (size_t i = 0; i < pairs.size(); ++i) {
        const int64_t gap = std::llabs(fam[pairs[i].first].counts.at(id) - fam[pairs[i].second].counts.at(id));
        if (gap > 0 && told[i] < separations) ++gains;
        min_gap = std::min(min_gap, gap);
      }
      std::pair<int, int64_t> score{gains, min_gap};
      if (gains > 0 && score > best_score) best = static_cast<int>(u), best_score = score;
    }
    if (best < 0)
      throw std::invalid_argument(
          fmt::format("the cards cannot tell every pair of families apart with {} different units", separations));
    used[best] = true;
    for (size_t i = 0; i < pairs.size(); ++i) {
      const std::string& id = cards.units[best].id;
      if (fam[pairs[i].first].counts.at(id) != fam[pairs[i].second].counts.at(id)) ++told[i];
    }
    plan.push_back(ProbeStep{&cards.units[best], ks});
  }
  return plan;
}

}  // namespace rigor
