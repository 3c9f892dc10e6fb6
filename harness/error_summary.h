// Errors of a run grouped by cause, for the summary printed at its end and
// for stopping a model whose endpoint fails the same way again and again.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "base/completion.h"

namespace rigor {

// The samples of one model that failed for one cause in a session.
struct ErrorGroup {
  std::string model;
  ErrorCode code = ErrorCode::kTransport;
  int http_status = 0;   // 0 when there was no HTTP response
  int count = 0;
  std::string example;   // one message, secrets redacted

  // "auth (HTTP 401)", "transport", ...
  std::string cause() const;
  // False for failures that a re-run of the same command cannot cure: auth
  // (401/403), not found, invalid request (400/404/422): the config or the
  // endpoint has to change first.
  bool heals_on_rerun() const;
};

// Collects final sample errors per (model, code, status). Not thread-safe.
class ErrorTally {
 public:
  void add(const std::string& model, const Error& e, const std::string& secret);
  std::vector<ErrorGroup> groups() const;  // largest first

 private:
  std::map<std::tuple<std::string, int, int>, ErrorGroup> groups_;
};

// Replaces `secret` (an API key; ignored when shorter than 8 characters) and
// anything after "Bearer " or an x-api-key header by "[redacted]".
std::string redact_secrets(std::string text, const std::string& secret);

// The end-of-run block: one line per group with its count and an example,
// then what to do (re-run for the ones that heal, fix for the others).
std::string format_error_summary(const std::vector<ErrorGroup>& groups);

}  // namespace rigor
