// The perf client against a scripted server on 127.0.0.1: a request that
// meets a kept-alive connection the server closed without saying so is a
// reconnect, never a measured transport error.
#include "perf/perf_client.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "tests/harness/engine_test_server.h"

namespace rigor {
namespace {

using test::ScriptedRequest;
using test::ScriptedResponse;
using test::ScriptedServer;
using test::ScriptedServerOptions;

std::string body(size_t prompt_bytes = 20) {
  return nlohmann::json{{"model", "m"},
                        {"stream", true},
                        {"messages", {{{"role", "user"}, {"content", std::string(prompt_bytes, 'q')}}}},
                        {"stream_options", {{"include_usage", true}}}}
      .dump();
}

ScriptedResponse answer(bool close) {
  ScriptedResponse r = test::sse_response({test::content_chunk("4"), test::content_chunk("2", "stop")});
  r.close = close;
  return r;
}

// Runs `requests` at concurrency 1 (or Poisson arrivals at `rate`) and
// expects every one to succeed, on more than one connection.
void expect_no_errors(const ScriptedServerOptions& so, bool close_each, int requests, size_t prompt_bytes = 20,
                      double rate = 0) {
  ScriptedServer server([close_each](const ScriptedRequest&, int) { return answer(close_each); }, so);
  PerfClientOptions o;
  o.url = server.base_url() + "/chat/completions";
  o.connect_timeout_s = 2;
  o.total_timeout_s = 10;
  PerfLoad load;
  load.concurrency = rate > 0 ? 0 : 1;
  load.rate = rate;
  load.requests = requests;
  const auto records = run_load(o, {body(prompt_bytes)}, load);
  ASSERT_EQ(records.size(), static_cast<size_t>(requests));
  int errors = 0;
  for (const PerfRecord& r : records) {
    if (r.ok) {
      EXPECT_EQ(r.completion.text, "42");
    } else {
      ++errors;
      ADD_FAILURE() << "request " << r.index << ": " << r.error.message;
    }
  }
  EXPECT_EQ(errors, 0);
  EXPECT_GT(server.connections(), 1) << "the server should have closed connections";
}

TEST(PerfClient, ServerClosingAfterEachStreamedResponseIsNoTransportError) {
  for (int delay_ms : {0, 1, 3}) {
    SCOPED_TRACE(delay_ms);
    ScriptedServerOptions so;
    so.close_delay_ms = delay_ms;
    expect_no_errors(so, true, 60);
  }
}

TEST(PerfClient, ServerClosingAfterNRequestsIsNoTransportError) {
  ScriptedServerOptions so;
  so.max_requests_per_connection = 3;
  so.close_delay_ms = 1;
  expect_no_errors(so, false, 60);
}

TEST(PerfClient, ServerClosingIdleConnectionsIsNoTransportError) {
  ScriptedServerOptions so;
  so.idle_close_ms = 5;
  // Gaps around the idle limit: some requests race the close.
  expect_no_errors(so, false, 60, 20, 200);
}

TEST(PerfClient, LargeRequestOnAConnectionTheServerClosedIsNoTransportError) {
  // A body of 64 KiB or more leaves after the request head, where a failed
  // send is not resent by curl itself.
  ScriptedServerOptions so;
  so.close_delay_ms = 1;
  expect_no_errors(so, true, 20, 200 * 1024);
}

}  // namespace
}  // namespace rigor
