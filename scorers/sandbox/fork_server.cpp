#include "scorers/sandbox/fork_server.h"

#include "scorers/sandbox/spawn_executor.h"

namespace rigor::sandbox::detail {

std::unique_ptr<Executor> make_fork_server(const std::string& python, bool namespaces) {
  return std::make_unique<SpawnExecutor>(python, namespaces);  // placeholder until the server lands
}

}  // namespace rigor::sandbox::detail
