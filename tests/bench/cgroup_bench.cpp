// What a cgroup per program costs: creating a group with its limits and fds,
// then killing what is left in it and removing it, as the spawning executor
// does around every run (twice for a judged run). Compare with the executor's
// per-program time in sandbox_bench. Skips where cgroups are unusable.
#include <benchmark/benchmark.h>

#include "scorers/sandbox/cgroup.h"

namespace rigor::sandbox::detail {
namespace {

void BM_CgroupCreateRemove(benchmark::State& state) {
  auto sup = cgroup_support();
  if (sup.kind == CgroupKind::kNone) {
    state.SkipWithError(("no usable cgroups: " + sup.why).c_str());
    return;
  }
  Limits limits;
  for (auto _ : state) {
    auto g = ProgramCgroup::create(limits);
    if (!g) {
      state.SkipWithError(g.error().c_str());
      return;
    }
    benchmark::DoNotOptimize(g->get());
  }  // the destructor removes the group
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(sup.kind == CgroupKind::kV2 ? "v2" : "v1");
}
BENCHMARK(BM_CgroupCreateRemove)->UseRealTime()->MinTime(1.0);

}  // namespace
}  // namespace rigor::sandbox::detail
BENCHMARK_MAIN();
