#include "reports/render.h"

#include <fmt/format.h>

#include "reports/render_impl.h"
#include "rigor_version.h"

namespace rigor {

tl::expected<Format, std::string> parse_format(std::string_view name) {
  if (name == "table") return Format::kTable;
  if (name == "md") return Format::kMarkdown;
  if (name == "csv") return Format::kCsv;
  if (name == "json") return Format::kJson;
  if (name == "html") return Format::kHtml;
  return tl::make_unexpected(fmt::format("unknown format \"{}\" (expected table, md, csv, json or html)", name));
}

ReportMeta make_meta(const std::vector<RunRecord>& runs) {
  ReportMeta meta;
  meta.harness_version = RIGOR_VERSION;
  for (const RunRecord& r : runs) {
    meta.runs.push_back({r.id, r.version, r.seed, r.config_hash, r.started_at, r.finished_at, r.tag});
  }
  return meta;
}

std::string render(const std::vector<SuiteSummary>& summaries, Format format, const ReportMeta& meta) {
  switch (format) {
    case Format::kTable: return detail::render_table(summaries, meta);
    case Format::kMarkdown: return detail::render_markdown(summaries, meta);
    case Format::kCsv: return detail::render_csv(summaries, meta);
    case Format::kJson: return detail::render_json(summaries, meta);
    case Format::kHtml: return detail::render_html(summaries, meta);
  }
  throw std::logic_error("render: unknown Format value");
}

}  // namespace rigor
