// `rigor sim`: an HTTP server on loopback that speaks the OpenAI chat
// completions protocol the way vLLM and llama.cpp's llama-server do, serving
// deterministic simulated reasoning models described by profiles.
//
// Endpoints: POST /v1/chat/completions (stream true: SSE "data: {...}" events
// then "data: [DONE]"; false: one JSON body), GET /v1/models (each profile,
// "owned_by":"rigor-sim", "simulated":true, its label), GET /health.
// The request's "model" selects the profile (unknown: 404 OpenAI-style error);
// a bad body is a 400. Everything runs on `threads` Asio threads with timers;
// no thread per connection.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>

#include "sim/sim_index.h"
#include "sim/sim_profile.h"

namespace rigor {

struct SimOptions {
  std::string host = "127.0.0.1";  // address to bind; only loopback unless allow_remote
  int port = 0;                    // 0 = pick a free port
  uint64_t seed = 0;               // mixed into every response
  int threads = 1;                 // Asio threads serving all connections
  bool allow_remote = false;       // permit binding a non-loopback address
  std::string gpqa_csv;            // the user's official GPQA CSV: multiple-choice prompts answered too
};

// Counters since start, for tests and logs.
struct SimStats {
  uint64_t requests = 0;      // chat completion requests received (valid or not)
  uint64_t completed = 0;     // responses finished normally
  uint64_t faults = 0;        // responses hit by an injected fault or the rpm limit
};

class SimServer {
 public:
  // `index` may be null (every prompt gets the generic response). Profiles are
  // calibrated against the index here. Throws std::invalid_argument for an
  // empty profile map.
  SimServer(SimOptions options, std::map<std::string, SimProfile> profiles,
            std::shared_ptr<const SimIndex> index);
  ~SimServer();  // stops
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  // Binds, starts the threads, and returns the bound port. Throws
  // std::runtime_error if the address cannot be bound, or the host is not
  // loopback and allow_remote is false. Call once.
  int start();
  // Closes every connection and joins the threads. Idempotent; thread-safe.
  void stop();

  int port() const;
  SimStats stats() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Runs the simulator in the foreground: loads the profiles and the bundled
// suites, binds, prints exactly one line "rigor-sim listening on HOST:PORT"
// to `out` (flushed) once bound, and serves until SIGINT or SIGTERM. Errors
// (bad profiles file, cannot bind) go to `err`. Returns 0 after a signal,
// 2 for a usage or config error.
int sim_main(const SimOptions& options, const std::string& profiles_path, std::ostream& out,
             std::ostream& err);
int sim_main(const SimOptions& options, const std::string& profiles_path);  // std::cout, std::cerr

}  // namespace rigor
