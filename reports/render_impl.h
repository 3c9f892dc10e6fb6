// Internal to reports/: one function per output format, dispatched by render().
#pragma once

#include <string>
#include <vector>

#include "reports/render.h"

namespace rigor::detail {

std::string render_table(const std::vector<SuiteSummary>& summaries, const ReportMeta& meta);
std::string render_markdown(const std::vector<SuiteSummary>& summaries, const ReportMeta& meta);
std::string render_csv(const std::vector<SuiteSummary>& summaries, const ReportMeta& meta);
std::string render_json(const std::vector<SuiteSummary>& summaries, const ReportMeta& meta);
std::string render_html(const std::vector<SuiteSummary>& summaries, const ReportMeta& meta);

// Aligned plain-text table; cells already escaped. First row is the header.
std::string aligned(const std::vector<std::vector<std::string>>& rows);
// Markdown table; cells already escaped. First row is the header.
std::string md_table(const std::vector<std::vector<std::string>>& rows);
// HTML table; cells already escaped. First row is the header.
std::string html_table(const std::vector<std::vector<std::string>>& rows);
// Opening of a standalone page (title escaped here) and its closing.
std::string html_open(const std::string& title);
extern const char* const kHtmlClose;
// "> **SIMULATED** ..." banner text for Markdown.
extern const char* const kSimulatedBanner;

}  // namespace rigor::detail

#include <nlohmann/json.hpp>

namespace rigor::detail {
// {"rigor_version", "bootstrap", "runs"} shared by the JSON renderers.
nlohmann::json meta_json(const ReportMeta& meta);
// Pretty-printed, invalid UTF-8 replaced, trailing newline.
std::string dump_json(const nlohmann::json& j);
}  // namespace rigor::detail
