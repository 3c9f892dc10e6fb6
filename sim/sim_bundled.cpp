// The only simulator file that knows the suite registry.
#include "sim/sim_index.h"
#include "suites/registry.h"

namespace rigor {

SimIndex bundled_sim_index() {
  SimIndex index;
  for (const std::string& name : known_suite_names()) {
    if (name.rfind("gpqa", 0) == 0) continue;  // not bundled, prompts depend on the seed
    Suite suite = load_suite(name);
    if (suite.scorer != "aime" && suite.scorer != "math" && suite.scorer != "humaneval") continue;
    index.add_suite(suite, [&](const Problem& p) { return make_prompt(suite, p, 0).user_message; });
  }
  return index;
}

SimIndex sim_index_with_gpqa(const std::string& gpqa_csv) {
  SimIndex index = bundled_sim_index();
  SuiteOptions opts;
  opts.gpqa_csv = gpqa_csv;
  index.add_choice_suite(load_suite("gpqa-diamond", opts));
  return index;
}

}  // namespace rigor
