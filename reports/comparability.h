// Whether two runs may be compared at all: a difference in prompt template,
// scorer (or its version), dataset, sampling settings or samples per problem
// changes the experiment, so `rigor compare` and `rigor gate` list such
// differences and refuse to go on without --force.
//
// Read from RunRecord::config_json (the resolved config the runner stored):
//   run.n                                   samples per problem
//   suites.<s>.{template, scorer, scorer_version, data_hash, problems}
//                                           for each suite both runs hold
//   models[name].{temperature, top_p, max_tokens, send_seed, extra}
//                                           for each compared model pair
// Run seed, tag, engine, model id and pricing may differ (they are what is
// being compared, or a fresh nightly seed).
#pragma once

#include <string>
#include <vector>

#include "store/store.h"
#include "reports/compare.h"

namespace rigor {

struct ConfigDifference {
  std::string what;  // "suite math500: data_hash", "model r1 / distill: temperature", "run: n"
  std::string a;     // the value in run A (JSON text; "(absent)" when missing)
  std::string b;
};

// Throws std::runtime_error naming the run when its config_json is not a JSON object.
std::vector<ConfigDifference> config_differences(const RunRecord& a, const RunRecord& b,
                                                 const std::vector<ModelPair>& pairs);

// One line per difference ("- what: A vs B"), for error messages and reports.
std::string describe(const std::vector<ConfigDifference>& diffs);

}  // namespace rigor
