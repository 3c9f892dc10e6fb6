// Internal: the executor that starts a fresh jailed interpreter per program.
#pragma once

#include "scorers/sandbox/sandbox.h"

namespace rigor::sandbox::detail {

class SpawnExecutor : public Executor {
 public:
  SpawnExecutor(std::string python, bool namespaces);
  Result run(const Program& program, const Limits& limits) override;
  JudgedResult run_judged(const Program& judge, const Program& candidate, const Limits& limits) override;
  Isolation isolation() const override;

 private:
  std::string python_;
  bool namespaces_;
  bool cgroups_;  // a cgroup per program (cgroup_support() at construction)
};

}  // namespace rigor::sandbox::detail
