#include "suites/cards.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

namespace rigor {

std::string cards_dir() {
  const char* env = std::getenv("RIGOR_CARDS_DIR");
  if (env != nullptr && *env != '\0') return env;
  return RIGOR_CARDS_DIR;
}

toml::table parse_card_toml(const std::string& text, const std::string& name) {
  try {
    return toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw SuiteError(fmt::format("{}:{}: TOML syntax error: {}", name, e.source().begin.line, e.description()));
  }
}

std::vector<std::string> card_files(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw SuiteError(fmt::format("card directory \"{}\" does not exist (set RIGOR_CARDS_DIR to the folder holding "
                                 "tokenizers/ and models/)",
                                 dir));
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".toml") out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace rigor
