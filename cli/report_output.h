// Loads runs from the store and renders them with the reports library.
#pragma once

#include <string>
#include <vector>

#include "store/store.h"

namespace rigor {

// Renders runs (by id, in order) as "table", "md", "csv" or "json".
// Throws ConfigError for an unknown run id or format.
std::string render_runs(Store& store, const std::vector<std::string>& run_ids, const std::string& format);

}  // namespace rigor
