// `rigor report --verify`: stored verifies (rigor verify) in every report
// format, each with its tests, their evidence and what it spent; HTML adds
// every request it sent. Everything read from the store is escaped for the
// format (model names, card notes and responses are untrusted text).
#pragma once

#include <string>
#include <vector>

#include "reports/render.h"
#include "store/store.h"

namespace rigor {

// The verifies `ids` (all given must exist; empty = the latest one). Throws
// std::runtime_error naming an unknown id, or when the store holds none.
std::string render_verifies(Store& store, const std::vector<std::string>& ids, Format format);

}  // namespace rigor
