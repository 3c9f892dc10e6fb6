// Errors grouped by cause at the end of a run: what heals on a re-run, keys
// redacted, one example per group.
#include "harness/error_summary.h"

#include <gtest/gtest.h>

namespace rigor {
namespace {

Error err(ErrorCode code, int status, std::string message) {
  Error e;
  e.code = code;
  e.http_status = status;
  e.message = std::move(message);
  return e;
}

TEST(ErrorSummary, GroupsByModelAndCauseLargestFirstWithOneExample) {
  ErrorTally t;
  t.add("a", err(ErrorCode::kTimeout, 0, "idle timeout"), "");
  for (int i = 0; i < 3; ++i) t.add("a", err(ErrorCode::kAuth, 401, "bad key " + std::to_string(i)), "");
  t.add("b", err(ErrorCode::kAuth, 401, "bad key"), "");
  const auto g = t.groups();
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].model, "a");
  EXPECT_EQ(g[0].count, 3);
  EXPECT_EQ(g[0].example, "bad key 0");
  EXPECT_EQ(g[0].cause(), "auth (HTTP 401)");
}

TEST(ErrorSummary, OnlyHealableCausesGetTheRerunAdvice) {
  EXPECT_FALSE((ErrorGroup{"m", ErrorCode::kAuth, 403, 1, ""}.heals_on_rerun()));
  EXPECT_FALSE((ErrorGroup{"m", ErrorCode::kInvalidRequest, 404, 1, ""}.heals_on_rerun()));
  EXPECT_FALSE((ErrorGroup{"m", ErrorCode::kInvalidRequest, 400, 1, ""}.heals_on_rerun()));
  EXPECT_TRUE((ErrorGroup{"m", ErrorCode::kServer, 503, 1, ""}.heals_on_rerun()));
  EXPECT_TRUE((ErrorGroup{"m", ErrorCode::kTimeout, 0, 1, ""}.heals_on_rerun()));
  EXPECT_EQ((ErrorGroup{"m", ErrorCode::kInvalidRequest, 404, 1, ""}.cause()), "not found (HTTP 404)");

  const std::string only_auth = format_error_summary({{"m", ErrorCode::kAuth, 401, 30, "no"}});
  EXPECT_NE(only_auth.find("30 x m: auth (HTTP 401) [will not heal on a re-run]"), std::string::npos) << only_auth;
  EXPECT_EQ(only_auth.find("re-run the same command"), std::string::npos) << only_auth;
  const std::string mixed = format_error_summary({{"m", ErrorCode::kAuth, 401, 2, "no"}, {"m", ErrorCode::kServer, 502, 3, "bad gateway"}});
  EXPECT_NE(mixed.find("3 samples failed for causes that may pass"), std::string::npos) << mixed;
  EXPECT_EQ(format_error_summary({}), "");
}

TEST(ErrorSummary, KeysAreRedacted) {
  EXPECT_EQ(redact_secrets("key sk-abcdef123456 refused", "sk-abcdef123456"), "key [redacted] refused");
  EXPECT_EQ(redact_secrets("sent Authorization: Bearer abc.def, got 401", ""), "sent Authorization: Bearer [redacted], got 401");
  EXPECT_EQ(redact_secrets("x-api-key: k123 rejected", ""), "x-api-key: [redacted] rejected");
  EXPECT_EQ(redact_secrets("short key ab stays", "ab"), "short key ab stays");
}

}  // namespace
}  // namespace rigor
