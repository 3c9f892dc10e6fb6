// Table and Markdown renderers: per suite, metrics down, models side by side.
#include <algorithm>

#include <fmt/format.h>

#include "reports/cells.h"
#include "reports/escape.h"
#include "reports/render_impl.h"

namespace rigor::detail {

const char* const kSimulatedBanner =
    "> **SIMULATED** — at least one model in this report was served by rigor's built-in "
    "simulator, not a real model. Its numbers test the harness, not any model.";

std::string aligned(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], display_width(row[i]));
  }
  std::string out;
  for (size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (size_t i = 0; i < rows[r].size(); ++i) {
      if (i) line += "  ";
      line += rows[r][i];
      if (i + 1 < rows[r].size()) line += std::string(width[i] - display_width(rows[r][i]), ' ');
    }
    out += line + "\n";
    if (r == 0) {
      size_t total = 0;
      for (size_t w : width) total += w;
      out += std::string(total + 2 * (width.empty() ? 0 : width.size() - 1), '-') + "\n";
    }
  }
  return out;
}

std::string md_table(const std::vector<std::vector<std::string>>& rows) {
  std::string out;
  for (size_t r = 0; r < rows.size(); ++r) {
    out += "|";
    for (const auto& c : rows[r]) out += " " + c + " |";
    out += "\n";
    if (r == 0) {
      out += "|";
      for (size_t i = 0; i < rows[r].size(); ++i) out += i == 0 ? "---|" : "---:|";
      out += "\n";
    }
  }
  return out;
}

namespace {

template <typename Escape>
std::vector<std::vector<std::string>> suite_grid(const std::vector<const SuiteSummary*>& cols, bool several,
                                                 Escape escape) {
  std::vector<std::vector<std::string>> grid;
  std::vector<std::string> header{"metric"};
  for (const auto* s : cols) header.push_back(escape(cells::heading(*s, several)));
  grid.push_back(std::move(header));
  for (auto& row : cells::metric_rows(cols, false)) {
    std::vector<std::string> line{escape(row.label)};
    for (auto& c : row.cells) line.push_back(escape(c));
    grid.push_back(std::move(line));
  }
  return grid;
}

// Three short lines, not one 180-column one (the config hash alone is 64).
std::string stamp_lines(const RunStamp& r) {
  auto e = [](const std::string& s) { return escape_terminal(s); };
  return fmt::format("run {}  version {}  seed {}{}\n  config {}\n  started {}  finished {}\n", e(r.id), e(r.version),
                     r.seed, r.tag.empty() ? "" : "  tag " + e(r.tag), e(r.config_hash), e(r.started_at),
                     r.finished_at.empty() ? "(unfinished)" : e(r.finished_at));
}

}  // namespace

std::string render_table(const std::vector<SuiteSummary>& summaries, const ReportMeta& meta) {
  std::string out = fmt::format("rigor {}\n", escape_terminal(meta.harness_version));
  for (const auto& r : meta.runs) out += stamp_lines(r);
  out += fmt::format("95% CIs: percentile bootstrap over problems, {} resamples, seed {}\n",
                     meta.bootstrap_resamples, meta.bootstrap_seed);
  if (cells::any_simulated(summaries)) {
    out += "*** SIMULATED: at least one model was served by rigor's simulator, not a real model ***\n";
  }
  out += "models:\n";
  for (const auto& l : cells::model_legend(summaries)) out += "  " + escape_terminal(l) + "\n";
  if (const auto lines = cells::incomplete_lines(summaries); !lines.empty()) {
    out += "*** INCOMPLETE:\n";
    for (const auto& l : lines) out += "  " + escape_terminal(l) + "\n";
    out += fmt::format("  ({})\n", cells::kIncompleteNote);
  }
  const bool several = cells::several_runs(summaries);
  for (const auto& [suite, cols] : cells::by_suite(summaries)) {
    out += "\n== " + escape_terminal(suite) + " ==\n";
    out += aligned(suite_grid(cols, several, [](const std::string& s) { return escape_terminal(s); }));
  }
  return out;
}

std::string render_markdown(const std::vector<SuiteSummary>& summaries, const ReportMeta& meta) {
  std::string out = "# rigor report\n\n";
  if (cells::any_simulated(summaries)) out += std::string(kSimulatedBanner) + "\n\n";
  out += fmt::format("- harness version: {}\n", escape_markdown(meta.harness_version));
  out += fmt::format(
      "- 95% confidence intervals: percentile bootstrap over problems, {} resamples, seed {}\n\n",
      meta.bootstrap_resamples, meta.bootstrap_seed);
  if (!meta.runs.empty()) {
    std::vector<std::vector<std::string>> runs{{"run", "version", "seed", "config hash", "started", "finished", "tag"}};
    for (const auto& r : meta.runs) {
      runs.push_back({escape_markdown(r.id), escape_markdown(r.version), std::to_string(r.seed),
                      escape_markdown(r.config_hash), escape_markdown(r.started_at),
                      r.finished_at.empty() ? "(unfinished)" : escape_markdown(r.finished_at),
                      escape_markdown(r.tag)});
    }
    out += md_table(runs) + "\n";
  }
  out += "Models:\n\n";
  for (const auto& l : cells::model_legend(summaries)) out += "- " + escape_markdown(l) + "\n";
  out += "\n";
  if (const auto lines = cells::incomplete_lines(summaries); !lines.empty()) {
    out += "> **INCOMPLETE**\n";
    for (const auto& l : lines) out += ">\n> - " + escape_markdown(l) + "\n";
    out += fmt::format(">\n> {}\n\n", escape_markdown(cells::kIncompleteNote));
  }
  const bool several = cells::several_runs(summaries);
  for (const auto& [suite, cols] : cells::by_suite(summaries)) {
    out += "## " + escape_markdown(suite) + "\n\n";
    out += md_table(suite_grid(cols, several, [](const std::string& s) { return escape_markdown(s); })) + "\n";
  }
  return out;
}

}  // namespace rigor::detail
