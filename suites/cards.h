// Bundled cards: data rigor reads to judge an endpoint against a claim.
// suites/cards/tokenizers/ holds tokenizer fingerprint cards (fingerprint.h),
// suites/cards/models/ published reference results (model_card.h).
// Pure library: file reads only. Every error is a SuiteError naming the file,
// line and key.
#pragma once

#include <string>

#include <toml++/toml.h>

#include "suites/registry.h"
#include "suites/toml_strict.h"

namespace rigor {

// The directory cards are read from: the environment variable
// RIGOR_CARDS_DIR if set and non-empty (installed binaries), else the source
// tree's suites/cards.
std::string cards_dir();

// Reads a card file's TOML with errors as SuiteError naming file and line.
using CardReader = StrictTomlReader<SuiteError>;

// Parses TOML text; `name` (usually the path) is used in messages.
// Throws SuiteError "name:line: TOML syntax error: ...".
toml::table parse_card_toml(const std::string& text, const std::string& name);

// The *.toml files of `dir`, sorted by name; SuiteError if `dir` is not a directory.
std::vector<std::string> card_files(const std::string& dir);

}  // namespace rigor
