#pragma once

namespace rigor {

// Parses the command line and runs one subcommand. Returns the process exit
// code (cli/exit_codes.h).
int cli_main(int argc, char** argv);

}  // namespace rigor
