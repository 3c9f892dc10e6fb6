// SHA-256 (FIPS 180-4), small and dependency-free, for stamping suite data and
// configs with a content hash that any other tool (sha256sum) reproduces.
#pragma once

#include <string>
#include <string_view>

namespace rigor {

// Lower-case hex SHA-256 digest of bytes. Pure; thread-safe.
std::string sha256_hex(std::string_view bytes);

}  // namespace rigor
