#include "suites/fetch.h"

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include <fmt/format.h>

#include "suites/jsonl.h"
#include "suites/loaders.h"
#include "suites/registry.h"
#include "suites/sha256.h"

namespace rigor {
namespace {

namespace fs = std::filesystem;

// LiveCodeBench's releases: release_vN is test.jsonl plus test2..testN.jsonl.
constexpr int kLcbLatestRelease = 6;

int lcb_release_number(const std::string& release) {
  if (release.empty()) return kLcbLatestRelease;
  static const std::regex kRelease(R"(release_v([1-9]))");
  std::smatch m;
  if (!std::regex_match(release, m, kRelease) || std::stoi(m[1].str()) > kLcbLatestRelease) {
    throw SuiteError(fmt::format("livecodebench: unknown release \"{}\" (release_v1 .. release_v{})", release,
                                 kLcbLatestRelease));
  }
  return std::stoi(m[1].str());
}

void check_date(const std::string& value, const char* option) {
  static const std::regex kDate(R"(\d{4}-\d{2}-\d{2})");
  if (!value.empty() && !std::regex_match(value, kDate)) {
    throw SuiteError(fmt::format("--{}: \"{}\" is not a date YYYY-MM-DD", option, value));
  }
}

std::string jsonl_of(const std::vector<nlohmann::json>& rows) {
  std::string out;
  for (const auto& r : rows) out += r.dump() + "\n";
  return out;
}

}  // namespace

std::string FetchPart::describe() const {
  if (!file.empty()) return fmt::format("{} file {}", dataset, file);
  return fmt::format("{} rows {}/{}", dataset, config, split);
}

std::vector<std::string> fetchable_suite_names() { return {"gpqa-diamond", "livecodebench", "aime25", "math500"}; }

FetchPlan fetch_plan(const std::string& suite, const FetchOptions& opts) {
  check_date(opts.since, "since");
  check_date(opts.until, "until");
  if (suite != "livecodebench" && (!opts.release.empty() || !opts.since.empty() || !opts.until.empty())) {
    throw SuiteError(fmt::format("{}: --release, --since and --until apply to livecodebench only", suite));
  }
  FetchPlan p;
  p.suite = suite;
  if (suite == "gpqa-diamond") {
    p.data_file = "gpqa_diamond.csv";
    p.parts.push_back(FetchPart{"Idavidrein/gpqa", "gpqa_diamond.csv", "", "", true});
  } else if (suite == "math500") {
    p.data_file = "test.jsonl";
    p.parts.push_back(FetchPart{"HuggingFaceH4/MATH-500", "", "default", "test", false});
  } else if (suite == "aime25") {
    p.data_file = "test.jsonl";
    p.parts.push_back(FetchPart{"opencompass/AIME2025", "", "AIME2025-I", "test", false});
    p.parts.push_back(FetchPart{"opencompass/AIME2025", "", "AIME2025-II", "test", false});
  } else if (suite == "livecodebench") {
    p.data_file = "test.jsonl";
    const int n = lcb_release_number(opts.release);
    for (int i = 1; i <= n; ++i) {
      p.parts.push_back(FetchPart{"livecodebench/code_generation_lite", i == 1 ? "test.jsonl" : fmt::format("test{}.jsonl", i),
                                  "", "", false});
    }
  } else {
    throw SuiteError(fmt::format("rigor suites fetch: cannot fetch \"{}\" (fetchable: {})", suite,
                                 fmt::join(fetchable_suite_names(), ", ")));
  }
  return p;
}

std::string rows_page_to_jsonl(std::string_view page, const std::string& where, int64_t* total) {
  const auto doc = nlohmann::json::parse(page, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) throw SuiteError(fmt::format("{}: the rows API did not answer a JSON object", where));
  if (doc.contains("error")) throw SuiteError(fmt::format("{}: the rows API said: {}", where, doc["error"].dump()));
  if (!doc.contains("rows") || !doc["rows"].is_array()) throw SuiteError(fmt::format("{}: no \"rows\" array in the page", where));
  if (!doc.contains("num_rows_total") || !doc["num_rows_total"].is_number_integer()) {
    throw SuiteError(fmt::format("{}: no integer \"num_rows_total\" in the page", where));
  }
  *total = doc["num_rows_total"].get<int64_t>();
  std::string out;
  for (size_t i = 0; i < doc["rows"].size(); ++i) {
    const auto& r = doc["rows"][i];
    if (!r.is_object() || !r.contains("row") || !r["row"].is_object()) {
      throw SuiteError(fmt::format("{}: rows[{}] has no \"row\" object", where, i));
    }
    out += r["row"].dump() + "\n";
  }
  return out;
}

ConvertedSuite convert_fetched(const FetchPlan& plan, const FetchOptions& opts, const std::vector<std::string>& parts,
                               const std::vector<std::string>& sources, const std::string& fetched_at) {
  // LiveCodeBench may come as one file the user combined; the others part by part.
  const bool any_count = plan.suite == "livecodebench" && !parts.empty();
  if ((!any_count && parts.size() != plan.parts.size()) || sources.size() != parts.size()) {
    throw SuiteError(fmt::format("{}: expected {} downloaded part(s) ({}), got {}", plan.suite, plan.parts.size(),
                                 plan.parts.empty() ? "" : plan.parts.front().describe(), parts.size()));
  }
  ConvertedSuite c;
  c.data_file = plan.data_file;
  if (plan.suite == "gpqa-diamond") {
    c.data = parts[0];
    c.problems = static_cast<int>(detail::parse_gpqa_csv(c.data, sources[0]).problems.size());
  } else if (plan.suite == "math500") {
    std::vector<nlohmann::json> rows;
    for (const auto& l : detail::parse_jsonl(parts[0], sources[0])) {
      for (const char* key : {"problem", "answer", "unique_id"}) detail::require_string(l, key, sources[0]);
      rows.push_back(l.value);
    }
    c.data = jsonl_of(rows);
    c.problems = static_cast<int>(rows.size());
  } else if (plan.suite == "aime25") {
    // The loader expects AIME I's 15 problems then II's, as {problem, answer}.
    std::vector<nlohmann::json> rows;
    for (size_t i = 0; i < parts.size(); ++i) {
      auto lines = detail::parse_jsonl(parts[i], sources[i]);
      if (lines.size() != 15) {
        throw SuiteError(fmt::format("{}: expected the 15 problems of one exam, found {}", sources[i], lines.size()));
      }
      for (const auto& l : lines) {
        const char* text_key = l.value.contains("question") ? "question" : "problem";
        std::string problem = detail::require_string(l, text_key, sources[i]);
        const auto& a = l.value.contains("answer") ? l.value["answer"] : nlohmann::json();
        std::string answer = a.is_string() ? a.get<std::string>() : a.is_number_integer() ? std::to_string(a.get<int64_t>()) : "";
        if (answer.empty()) throw SuiteError(fmt::format("{}:{}: field \"answer\" is missing", sources[i], l.line));
        rows.push_back({{"answer", answer}, {"problem", problem}});
      }
    }
    c.data = jsonl_of(rows);
    c.problems = static_cast<int>(rows.size());
  } else if (plan.suite == "livecodebench") {
    // Filtered by contest date to keep problems released after a model's
    // training cut-off: the point of LiveCodeBench.
    std::string kept;
    int total = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
      for (const auto& l : detail::parse_jsonl(parts[i], sources[i])) {
        ++total;
        const std::string date = detail::require_string(l, "contest_date", sources[i]).substr(0, 10);
        if (!opts.since.empty() && date < opts.since) continue;
        if (!opts.until.empty() && date > opts.until) continue;
        kept += l.value.dump() + "\n";
        ++c.problems;
      }
    }
    c.data = std::move(kept);
    c.provenance["problems_before_window"] = total;
    c.provenance["release"] = opts.release.empty() ? fmt::format("release_v{}", kLcbLatestRelease) : opts.release;
    c.provenance["since"] = opts.since;
    c.provenance["until"] = opts.until;
  } else {
    throw SuiteError(fmt::format("cannot convert suite \"{}\"", plan.suite));
  }
  if (c.problems == 0) throw SuiteError(fmt::format("{}: the fetched data holds no problems", plan.suite));
  c.provenance["suite"] = plan.suite;
  c.provenance["data_file"] = c.data_file;
  c.provenance["data_sha256"] = sha256_hex(c.data);
  c.provenance["problems"] = c.problems;
  c.provenance["fetched_at"] = fetched_at;
  c.provenance["parts"] = nlohmann::json::array();
  for (size_t i = 0; i < parts.size(); ++i) {
    c.provenance["parts"].push_back(
        {{"part", parts.size() == plan.parts.size() ? plan.parts[i].describe() : "user-supplied file"}, {"source", sources[i]}, {"sha256", sha256_hex(parts[i])}, {"bytes", parts[i].size()}});
  }
  return c;
}

std::string write_fetched_suite(const std::string& dir, const std::string& suite, const ConvertedSuite& c) {
  const fs::path folder = fs::path(dir) / suite;
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw SuiteError(fmt::format("cannot create {}: {}", folder.string(), ec.message()));
  auto write = [&](const std::string& name, const std::string& bytes) {
    const fs::path tmp = folder / (name + ".tmp" + std::to_string(getpid()));
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << bytes;
      out.flush();
      if (!out) throw SuiteError(fmt::format("cannot write {}", tmp.string()));
    }
    fs::rename(tmp, folder / name, ec);
    if (ec) throw SuiteError(fmt::format("cannot write {}: {}", (folder / name).string(), ec.message()));
  };
  write(c.data_file, c.data);
  write("provenance.json", c.provenance.dump(2) + "\n");
  return folder.string();
}

std::string fetched_suites_dir() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v && *v ? v : "";
  };
  if (auto d = env("RIGOR_DATA_DIR"); !d.empty()) return (fs::path(d) / "suites").string();
  if (auto d = env("XDG_DATA_HOME"); !d.empty()) return (fs::path(d) / "rigor" / "suites").string();
  if (auto d = env("HOME"); !d.empty()) return (fs::path(d) / ".local" / "share" / "rigor" / "suites").string();
  return "";
}

std::optional<FetchedSuite> find_fetched_suite(const std::string& suite) {
  const std::string dir = fetched_suites_dir();
  if (dir.empty()) return std::nullopt;
  const fs::path folder = fs::path(dir) / suite;
  std::ifstream in(folder / "provenance.json", std::ios::binary);
  if (!in) return std::nullopt;
  nlohmann::json prov = nlohmann::json::parse(in, nullptr, false);
  if (prov.is_discarded() || !prov.is_object() || !prov.contains("data_file") || !prov["data_file"].is_string()) {
    throw SuiteError(fmt::format("{}: malformed provenance record (fetch the suite again)", (folder / "provenance.json").string()));
  }
  return FetchedSuite{(folder / prov["data_file"].get<std::string>()).string(), prov};
}

}  // namespace rigor
