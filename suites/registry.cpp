#include "suites/registry.h"

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "suites/code_suites.h"
#include "suites/fetch.h"
#include "suites/livecodebench.h"
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

namespace {

// A copy fetched by `rigor suites fetch` (see suites/fetch.h), checked
// against the hash its provenance recorded.
std::optional<Suite> load_fetched(const std::string& name) {
  auto f = find_fetched_suite(name);
  if (!f) return std::nullopt;
  Suite s;
  if (name == "aime25") s = detail::load_aime25(f->data_path);
  else if (name == "math500") s = detail::load_math500(f->data_path);
  else if (name == "gpqa-diamond") s = detail::load_gpqa_csv(f->data_path);
  else if (name == "livecodebench") s = detail::load_livecodebench(f->data_path);
  else return std::nullopt;
  const std::string recorded = f->provenance.value("data_sha256", "");
  if (recorded != s.data_hash) {
    throw SuiteError(fmt::format("{}: SHA-256 {} differs from the {} recorded when it was fetched; fetch it again",
                                 f->data_path, s.data_hash, recorded));
  }
  std::string window;
  if (f->provenance.contains("release")) {
    window = fmt::format(" {} contest dates {}..{}", f->provenance.value("release", ""), f->provenance.value("since", ""),
                         f->provenance.value("until", ""));
  }
  std::string parts;
  for (const auto& p : f->provenance.value("parts", nlohmann::json::array())) {
    parts += (parts.empty() ? "" : "; ") + p.value("part", std::string());
  }
  s.source = fmt::format("fetched {} from {}{} ({})", f->provenance.value("fetched_at", ""), parts, window, f->data_path);
  return s;
}

}  // namespace

Suite load_suite(const std::string& name, const SuiteOptions& opts) {
  if (!(name == "gpqa-diamond" && !opts.gpqa_csv.empty())) {
    if (auto fetched = load_fetched(name)) return std::move(*fetched);
  }
  if (name == "livecodebench") {
    throw SuiteError("livecodebench is not bundled: fetch a release first (rigor suites fetch livecodebench "
                     "--release release_v5 --since YYYY-MM-DD), or --from the file you downloaded");
  }
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
          "and pass its path as the suite option gpqa_csv (run.gpqa_csv in a config), "
          "or fetch it: HF_TOKEN=... rigor suites fetch gpqa-diamond");
    }
    return detail::load_gpqa_csv(opts.gpqa_csv);
  }
  throw SuiteError(fmt::format("unknown suite \"{}\"; known suites: {}", name,
                               fmt::join(known_suite_names(), ", ")));
}

}  // namespace rigor
