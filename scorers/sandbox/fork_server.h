// Internal: the executor with a pre-started interpreter (see fork_server.cpp).
#pragma once

#include <memory>
#include <string>

#include "scorers/sandbox/sandbox.h"

namespace rigor::sandbox::detail {

std::unique_ptr<Executor> make_fork_server(const std::string& python, bool namespaces);

}  // namespace rigor::sandbox::detail
