// Subcommands whose machinery is tracked as its own issue. They exist so that
// `rigor --help` shows the whole contract, and they say plainly that they are
// not built rather than pretending.
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/config.h"

namespace rigor {

void add_perf_command(CLI::App& app, Action& action) {
  auto* c = app.add_subcommand("perf", "Serving speed under load (not built yet).");
  c->allow_extras();
  c->callback([&action] {
    action = [] {
      throw ConfigError("rigor perf is not built yet (load testing is its own issue); "
                        "rigor run already records TTFT, decode tok/s and throughput per sample");
      return 2;
    };
  });
}

}  // namespace rigor
