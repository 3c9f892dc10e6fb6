// The download half of `rigor suites fetch`, against a scripted Hub on
// loopback that answers with the recorded pages in tests/data/fetch/: the
// rows API paged by what came back, the token sent as a bearer header and
// never echoed, and each failure mapped to an error a user can act on.
#include "harness/fetch.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "suites/fetch.h"
#include "tests/harness/engine_test_server.h"

namespace rigor {
namespace {

using test::ScriptedRequest;
using test::ScriptedResponse;
using test::ScriptedServer;
using test::status_response;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(RIGOR_TEST_DATA) + "/fetch/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

HubOptions local_hub(const ScriptedServer& s, int page_rows) {
  HubOptions h;
  h.hub_url = "http://127.0.0.1:" + std::to_string(s.port());
  h.rows_url = h.hub_url;
  h.timeout_s = 10;
  h.page_rows = page_rows;
  return h;
}

// The value of `key` in a request target's query string ("" when absent).
std::string query_param(const std::string& target, const std::string& key) {
  const size_t q = target.find('?');
  if (q == std::string::npos) return "";
  std::stringstream ss(target.substr(q + 1));
  for (std::string kv; std::getline(ss, kv, '&');) {
    if (kv.rfind(key + "=", 0) == 0) return kv.substr(key.size() + 1);
  }
  return "";
}

// The recorded MATH-500 pages hold rows 0-1 and row 2 of a 3-row split.
ScriptedResponse math500_pages(const ScriptedRequest& r, int) {
  const std::string offset = query_param(r.target, "offset");
  if (offset == "0") return status_response(200, fixture("math500_rows_page1.json"));
  if (offset == "2") return status_response(200, fixture("math500_rows_page2.json"));
  return status_response(400, R"({"error":"unexpected offset"})");
}

TEST(FetchDownload, RowsApiPagesByTheRowsThatCameBackAndConvertsToTheSuite) {
  // The server answers two rows although 100 were asked for: the next page
  // must start at row 2, not at row 100.
  ScriptedServer server(math500_pages);
  const FetchPlan plan = fetch_plan("math500", {});
  ASSERT_EQ(plan.parts.size(), 1u);
  auto got = download_part(plan.parts[0], local_hub(server, 100));
  ASSERT_TRUE(got) << got.error().message;

  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  for (const auto& r : reqs) {
    EXPECT_EQ(r.target.rfind("/rows?", 0), 0u) << r.target;
    EXPECT_EQ(query_param(r.target, "dataset"), "HuggingFaceH4%2FMATH-500");
    EXPECT_EQ(query_param(r.target, "split"), "test");
    EXPECT_EQ(query_param(r.target, "length"), "100");
    EXPECT_EQ(r.headers.count("authorization"), 0u) << "no token set, none sent";
  }
  EXPECT_EQ(query_param(reqs[1].target, "offset"), "2");
  EXPECT_EQ(std::count(got->bytes.begin(), got->bytes.end(), '\n'), 3);
  EXPECT_EQ(got->source.rfind(local_hub(server, 100).rows_url + "/rows?", 0), 0u);

  // The same bytes as the offline path: the converted suite and its hash
  // do not depend on how the rows arrived.
  ConvertedSuite online = convert_fetched(plan, {}, {got->bytes}, {got->source}, "2026-01-01T00:00:00Z");
  int64_t total = 0;
  const std::string offline_rows = rows_page_to_jsonl(fixture("math500_rows_page1.json"), "p1", &total) +
                                   rows_page_to_jsonl(fixture("math500_rows_page2.json"), "p2", &total);
  ConvertedSuite offline = convert_fetched(plan, {}, {offline_rows}, {"file"}, "2026-01-01T00:00:00Z");
  EXPECT_EQ(online.problems, 3);
  EXPECT_EQ(online.data, offline.data);
  EXPECT_EQ(online.provenance["data_sha256"], offline.provenance["data_sha256"]);
}

TEST(FetchDownload, AnEmptyPageBeforeTheTotalIsAnErrorNotALoop) {
  ScriptedServer server([](const ScriptedRequest&, int) {
    return status_response(200, R"({"features":[],"rows":[],"num_rows_total":5,"partial":false})");
  });
  auto got = download_part(fetch_plan("math500", {}).parts[0], local_hub(server, 100));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kParse);
  EXPECT_NE(got.error().message.find("no rows at offset 0 of 5"), std::string::npos) << got.error().message;
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(FetchDownload, GatedFileSendsTheTokenAsBearerAndNeverEchoesIt) {
  const std::string token = "hf_secret_token_123";
  ScriptedServer server([&](const ScriptedRequest& r, int) {
    auto auth = r.headers.find("authorization");
    if (auth == r.headers.end() || auth->second != "Bearer " + token) {
      // A hub that echoes what it was sent must not leak it through our message.
      return status_response(401, "{\"error\":\"bad credentials: " +
                                      (auth == r.headers.end() ? std::string("none") : auth->second) + "\"}");
    }
    return status_response(200, "Question,Correct Answer\n");
  });
  const FetchPart part = fetch_plan("gpqa-diamond", {}).parts[0];
  ASSERT_TRUE(part.gated);

  HubOptions hub = local_hub(server, 100);
  auto anonymous = download_part(part, hub);
  ASSERT_FALSE(anonymous);
  EXPECT_EQ(anonymous.error().code, ErrorCode::kAuth);
  EXPECT_NE(anonymous.error().message.find("is gated: accept its terms on the Hub, then set HF_TOKEN"), std::string::npos)
      << anonymous.error().message;

  hub.token = "hf_wrong_token_456";
  auto wrong = download_part(part, hub);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kAuth);
  EXPECT_EQ(wrong.error().message.find("hf_wrong_token_456"), std::string::npos) << wrong.error().message;
  EXPECT_NE(wrong.error().message.find("[redacted]"), std::string::npos) << wrong.error().message;

  hub.token = token;
  auto ok = download_part(part, hub);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->bytes, "Question,Correct Answer\n");
  EXPECT_EQ(ok->source, hub.hub_url + "/datasets/Idavidrein/gpqa/resolve/main/gpqa_diamond.csv");
  EXPECT_EQ(ok->source.find(token), std::string::npos);
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[2].target, "/datasets/Idavidrein/gpqa/resolve/main/gpqa_diamond.csv");
}

TEST(FetchDownload, MissingFileServerErrorAndGarbageMapToTheirKinds) {
  ScriptedServer server([](const ScriptedRequest& r, int) {
    if (r.target.find("/rows?") == 0) return status_response(200, "<html>maintenance</html>");
    if (r.target.find("test.jsonl") != std::string::npos) return status_response(503, R"({"error":"busy"})");
    return status_response(404, R"({"error":"Entry not found"})");
  });
  const HubOptions hub = local_hub(server, 100);

  auto garbage = download_part(fetch_plan("aime25", {}).parts[0], hub);
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, ErrorCode::kParse);

  auto busy = download_part(fetch_plan("livecodebench", {}).parts[0], hub);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, ErrorCode::kServer);
  EXPECT_EQ(busy.error().http_status, 503);

  FetchPart missing{"nobody/nothing", "absent.csv", "", "", false};
  auto absent = download_part(missing, hub);
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().code, ErrorCode::kInvalidRequest);
  EXPECT_NE(absent.error().message.find("HTTP 404"), std::string::npos) << absent.error().message;
}

TEST(FetchDownload, NothingListeningIsATransportError) {
  HubOptions hub;
  {
    ScriptedServer gone([](const ScriptedRequest&, int) { return status_response(200, "{}"); });
    hub = local_hub(gone, 100);
  }  // closed: the port now refuses connections
  auto got = download_part(fetch_plan("math500", {}).parts[0], hub);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kTransport);
}

TEST(FetchDownload, EndpointsAndTokenComeFromTheEnvironment) {
  setenv("HF_TOKEN", "hf_env_token", 1);
  setenv("RIGOR_HF_ENDPOINT", "http://127.0.0.1:1", 1);
  setenv("RIGOR_HF_ROWS_ENDPOINT", "http://127.0.0.1:2", 1);
  const HubOptions h = hub_options_from_env();
  unsetenv("HF_TOKEN");
  unsetenv("RIGOR_HF_ENDPOINT");
  unsetenv("RIGOR_HF_ROWS_ENDPOINT");
  EXPECT_EQ(h.token, "hf_env_token");
  EXPECT_EQ(h.hub_url, "http://127.0.0.1:1");
  EXPECT_EQ(h.rows_url, "http://127.0.0.1:2");
  const HubOptions d = hub_options_from_env();
  EXPECT_EQ(d.token, "");
  EXPECT_EQ(d.hub_url, "https://huggingface.co");
  EXPECT_EQ(d.rows_url, "https://datasets-server.huggingface.co");
}

}  // namespace
}  // namespace rigor
