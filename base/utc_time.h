// The current UTC time as text, for records and file names.
#pragma once

#include <ctime>
#include <string>

namespace rigor {

// strftime of now in UTC; the default is ISO 8601 ("2026-11-25T06:10:00Z").
inline std::string utc_now(const char* format = "%Y-%m-%dT%H:%M:%SZ") {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

}  // namespace rigor
