#include "cli/cli.h"

int main(int argc, char** argv) { return rigor::cli_main(argc, argv); }
