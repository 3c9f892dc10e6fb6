// Model cards: published reference results of a model and the protocol they
// were measured under (suites/cards/models/, documented in its README.md).
// `rigor verify --claims NAME` tests an endpoint against its claimed card.
// Pure library: file reads only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rigor {

struct CardProtocol {
  double temperature = 0;  // in [0, 2]
  double top_p = 1;        // in (0, 1]
  int samples = 0;         // per problem, >= 1
  int max_tokens = 0;      // generation limit, >= 1
};

struct CardResult {
  std::string benchmark;  // as published, "AIME 2024"
  std::string suite;      // rigor suite name, "aime24" (may not be available in this build)
  std::string metric;     // "pass@1" or "cons@N"
  double percent = 0;     // the published figure, in [0, 100]
  std::string note;       // caveats, may be empty
};

struct ModelCard {
  std::string name;                  // published name
  std::vector<std::string> aliases;  // other names endpoints use
  std::string tokenizer;             // fingerprint family, empty if not given
  std::string base;                  // model it was trained from, may be empty
  std::string parameters;            // size as published, may be empty
  std::string citation;              // the publication
  std::string url;
  std::string table;                 // where in the publication
  std::string confirmed_from;        // where the figures were checked, may be empty
  CardProtocol protocol;
  std::vector<CardResult> results;   // at least one
  std::string source;                // the file it was read from

  // The result for (suite, metric), or nullptr.
  const CardResult* result(std::string_view suite, std::string_view metric) const;
};

// Parses one card; `name` (usually the path) is used in messages. Throws
// SuiteError naming file, line and key: TOML syntax, unknown, missing or
// mistyped key, a value out of range, a duplicate (suite, metric).
ModelCard parse_model_card(const std::string& text, const std::string& name);

// Every *.toml card of `dir`, sorted by name. Throws SuiteError for a bad card,
// a missing directory, or a name or alias claimed by two cards.
std::vector<ModelCard> load_model_cards(const std::string& dir);
// The bundled cards: cards_dir()/models.
std::vector<ModelCard> load_model_cards();

// The card whose name or alias equals `claim`, ignoring case; nullptr if none.
const ModelCard* find_model_card(const std::vector<ModelCard>& cards, std::string_view claim);

}  // namespace rigor
