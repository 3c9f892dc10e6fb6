#include "suites/registry.h"

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "suites/code_suites.h"
#include "suites/loaders.h"

namespace rigor {

std::vector<std::string> known_suite_names() {
  return {"aime24", "aime25", "math500", "gpqa-diamond", "humaneval", "stdio-basic"};
}

std::string suites_data_dir() {
  const char* env = std::getenv("RIGOR_SUITES_DIR");
  if (env != nullptr && *env != '\0') return env;
  return RIGOR_SUITES_DIR;
}

namespace {

std::string bundled_file(const std::string& rel) {
  std::string dir = suites_data_dir();
  if (!std::filesystem::is_directory(dir)) {
    throw SuiteError(fmt::format(
        "suite data directory \"{}\" does not exist (set RIGOR_SUITES_DIR to the folder "
        "holding aime24/, aime25/, math500/)",
        dir));
  }
  return (std::filesystem::path(dir) / rel).string();
}

}  // namespace

Suite load_suite(const std::string& name, const SuiteOptions& opts) {
  if (name == "aime24") return detail::load_aime24(bundled_file("aime24/test.jsonl"));
  if (name == "aime25") return detail::load_aime25(bundled_file("aime25/test.jsonl"));
  if (name == "math500") return detail::load_math500(bundled_file("math500/test.jsonl"));
  if (name == "humaneval") return detail::load_humaneval(bundled_file("humaneval/HumanEval.jsonl"));
  if (name == "stdio-basic") return detail::load_stdio_suite(bundled_file("stdio_basic/problems.jsonl"), name);
  if (name == "gpqa-diamond") {
    if (opts.gpqa_csv.empty()) {
      throw SuiteError(
          "gpqa-diamond is not bundled (its authors ask that GPQA not be republished); "
          "download the official gpqa_diamond.csv yourself (https://github.com/idavidrein/gpqa) "
          "and pass its path as the suite option gpqa_csv (run.gpqa_csv in a config)");
    }
    return detail::load_gpqa_csv(opts.gpqa_csv);
  }
  throw SuiteError(fmt::format("unknown suite \"{}\"; known suites: {}", name,
                               fmt::join(known_suite_names(), ", ")));
}

}  // namespace rigor
