#include "suites/model_card.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "suites/cards.h"
#include "suites/loaders.h"

namespace rigor {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string required_str(CardReader& r, std::string_view key) {
  std::string v = r.required(r.str(key), key);
  if (v.empty()) r.fail(r.node(key), key, "must not be empty");
  return v;
}

double number_in(CardReader& r, std::string_view key, double lo, double hi, bool lo_open = false) {
  double v = r.required(r.num(key), key);
  if (v < lo || v > hi || (lo_open && v == lo))
    r.fail(r.node(key), key, fmt::format("{} is outside {}{}, {}]", v, lo_open ? "(" : "[", lo, hi));
  return v;
}

int positive_int(CardReader& r, std::string_view key) {
  int64_t v = r.required(r.integer(key), key);
  if (v < 1 || v > 10'000'000) r.fail(r.node(key), key, "must be a positive integer");
  return static_cast<int>(v);
}

bool valid_metric(const std::string& m) {
  if (m == "pass@1") return true;
  if (m.rfind("cons@", 0) != 0 || m.size() == 5) return false;
  const std::string n = m.substr(5);
  return n.find_first_not_of("0123456789") == std::string::npos && n[0] != '0';
}

}  // namespace

const CardResult* ModelCard::result(std::string_view suite, std::string_view metric) const {
  for (const auto& r : results)
    if (r.suite == suite && r.metric == metric) return &r;
  return nullptr;
}

ModelCard parse_model_card(const std::string& text, const std::string& name) {
  toml::table root = parse_card_toml(text, name);
  CardReader top(root, name, "");
  ModelCard card;
  card.source = name;

  const toml::table* model = top.table("model");
  if (!model) top.fail(nullptr, "model", "required table is missing");
  CardReader m(*model, name, "model");
  card.name = required_str(m, "name");
  card.aliases = m.str_list("aliases").value_or(std::vector<std::string>{});
  card.tokenizer = m.str("tokenizer").value_or("");
  card.base = m.str("base").value_or("");
  card.parameters = m.str("parameters").value_or("");
  m.finish();

  const toml::table* source = top.table("source");
  if (!source) top.fail(nullptr, "source", "required table is missing");
  CardReader s(*source, name, "source");
  card.citation = required_str(s, "citation");
  card.url = required_str(s, "url");
  card.table = required_str(s, "table");
  card.confirmed_from = s.str("confirmed_from").value_or("");
  s.finish();

  const toml::table* protocol = top.table("protocol");
  if (!protocol) top.fail(nullptr, "protocol", "required table is missing");
  CardReader p(*protocol, name, "protocol");
  card.protocol.temperature = number_in(p, "temperature", 0, 2);
  card.protocol.top_p = number_in(p, "top_p", 0, 1, /*lo_open=*/true);
  card.protocol.samples = positive_int(p, "samples");
  card.protocol.max_tokens = positive_int(p, "max_tokens");
  p.finish();

  const toml::node* results = top.node("result");
  if (!results || !results->is_array_of_tables()) top.fail(results, "result", "expected one or more [[result]] tables");
  size_t i = 0;
  for (const toml::node& n : *results->as_array()) {
    CardReader r(*n.as_table(), name, fmt::format("result[{}]", i++));
    CardResult res;
    res.benchmark = required_str(r, "benchmark");
    res.suite = required_str(r, "suite");
    res.metric = required_str(r, "metric");
    if (!valid_metric(res.metric))
      r.fail(r.node("metric"), "metric", fmt::format("\"{}\" is not pass@1 or cons@N", res.metric));
    res.percent = number_in(r, "percent", 0, 100);
    res.note = r.str("note").value_or("");
    if (card.result(res.suite, res.metric))
      r.fail(r.node("metric"), "metric", fmt::format("a second {} result for suite \"{}\"", res.metric, res.suite));
    r.finish();
    card.results.push_back(std::move(res));
  }
  top.finish();
  return card;
}

std::vector<ModelCard> load_model_cards(const std::string& dir) {
  std::vector<ModelCard> cards;
  std::map<std::string, std::string> owner;  // lower-case name or alias -> card file
  for (const std::string& path : card_files(dir)) {
    ModelCard card = parse_model_card(detail::read_file_bytes(path, "model card"), path);
    std::vector<std::string> names{card.name};
    names.insert(names.end(), card.aliases.begin(), card.aliases.end());
    std::set<std::string> own;
    for (const std::string& n : names) {
      const std::string key = lower(n);
      if (!own.insert(key).second) continue;  // the name repeated as an alias
      if (auto it = owner.find(key); it != owner.end())
        throw SuiteError(fmt::format("{}: model name \"{}\" is also claimed by {}", path, n, it->second));
      owner.emplace(key, path);
    }
    cards.push_back(std::move(card));
  }
  return cards;
}

std::vector<ModelCard> load_model_cards() {
  return load_model_cards((std::filesystem::path(cards_dir()) / "models").string());
}

const ModelCard* find_model_card(const std::vector<ModelCard>& cards, std::string_view claim) {
  const std::string want = lower(claim);
  for (const auto& c : cards) {
    if (lower(c.name) == want) return &c;
    for (const auto& a : c.aliases)
      if (lower(a) == want) return &c;
  }
  return nullptr;
}

}  // namespace rigor
