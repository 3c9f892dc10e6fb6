// The bundled HumanEval tasks, read for tests and benchmarks.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scorers/code/humaneval_scorer.h"

namespace rigor {

struct HumanEvalTask {
  std::string id, gold, canonical;
  HumanEvalSpec spec;
};

inline std::vector<HumanEvalTask> bundled_humaneval_tasks() {
  std::ifstream in(std::string(RIGOR_SOURCE_DIR) + "/suites/data/humaneval/HumanEval.jsonl");
  std::vector<HumanEvalTask> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    HumanEvalSpec s{j["prompt"], j["test"], j["entry_point"]};
    out.push_back({j["task_id"], humaneval_gold(s), j["canonical_solution"], s});
  }
  return out;
}

inline const HumanEvalTask& humaneval_task(const std::vector<HumanEvalTask>& tasks, const std::string& id) {
  for (const auto& t : tasks)
    if (t.id == id) return t;
  throw std::runtime_error("no task " + id);
}

}  // namespace rigor
