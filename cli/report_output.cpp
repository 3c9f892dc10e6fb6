#include "cli/report_output.h"

#include "harness/config.h"
#include "reports/render.h"
#include "reports/report_data.h"

namespace rigor {

std::string render_runs(Store& store, const std::vector<std::string>& run_ids, const std::string& format) {
  auto fmt_kind = parse_format(format);
  if (!fmt_kind) throw ConfigError(fmt_kind.error());
  ReportData data;
  try {
    data = load_report_data(store, run_ids, /*with_samples=*/false);
  } catch (const std::runtime_error& e) {
    throw ConfigError(e.what());  // an unknown run id is a usage error
  }
  return render(data.summaries, *fmt_kind, make_meta(data.runs));
}

}  // namespace rigor
