// Renders suite summaries for people (table, md) and machines (csv, json).
// Every string that came from a model, a server or a config is escaped for
// the target format (see escape.h); JSON strings go through nlohmann::json,
// invalid UTF-8 replaced by U+FFFD.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "store/store.h"
#include "reports/metrics.h"
#include "reports/summary.h"

namespace rigor {

enum class Format {
  kTable,     // terminal: per suite, metrics down, models side by side
  kMarkdown,  // same layout as Markdown tables, stamped header, SIMULATED banner
  kCsv,       // RFC 4180, one row per (run, model, suite), unknown = empty field
  kJson,      // {"rigor_version", "bootstrap", "runs", "simulated", "summaries"}; unknown = null
  kHtml,      // standalone page, same layout as md, every text HTML-escaped
};

// "table", "md", "csv", "json", "html"; anything else is an error naming the value.
tl::expected<Format, std::string> parse_format(std::string_view name);

// What a report is stamped with.
struct RunStamp {
  std::string id;
  std::string version;      // harness version the run was made with
  uint64_t seed = 0;
  std::string config_hash;
  std::string started_at;
  std::string finished_at;  // "" while unfinished
  std::string tag;
};

struct ReportMeta {
  std::string harness_version;      // the version rendering the report
  std::vector<RunStamp> runs;
  int bootstrap_resamples = kBootstrapResamples;
  uint64_t bootstrap_seed = kBootstrapSeed;
};

// Stamps from stored runs, with this build's RIGOR_VERSION.
ReportMeta make_meta(const std::vector<RunRecord>& runs);

// The whole report as text (ends with a newline).
std::string render(const std::vector<SuiteSummary>& summaries, Format format, const ReportMeta& meta);

}  // namespace rigor
