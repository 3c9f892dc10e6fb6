#pragma once

namespace rigor {

// Parses the command line and runs one subcommand. Returns the process exit
// code: 0 ok, 1 a gate failed, 2 usage or config error.
int cli_main(int argc, char** argv);

}  // namespace rigor
