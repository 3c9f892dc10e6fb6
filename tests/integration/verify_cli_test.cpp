// `rigor verify` end to end: the real binary, its simulator, the demo config's
// genuine and impostor endpoints, the exit codes scripts rely on, and what it
// stores.
#include <filesystem>

#include <gtest/gtest.h>

#include "store/store.h"
#include "tests/integration/rigor_process.h"

namespace rigor {
namespace {

using testing::run_rigor;
using testing::TempDir;

const std::string kConfig = std::string(RIGOR_SOURCE_DIR) + "/configs/verify_demo.toml";

TEST(VerifyCli, TheDemosGenuineEndpointIsConsistentAndTheDistillIsNot) {
  TempDir tmp;
  const std::string db = tmp / "v.db";
  auto genuine = run_rigor({"verify", "-c", kConfig, "--db", db, "--model", "sold-as-r1-genuine", "--claims",
                            "deepseek-r1", "--seed", "3"},
                           tmp.path());
  EXPECT_EQ(genuine.code, 0) << genuine.out << genuine.err;
  EXPECT_NE(genuine.out.find("verdict: CONSISTENT with the claim DeepSeek-R1"), std::string::npos) << genuine.out;
  auto distill = run_rigor({"verify", "-c", kConfig, "--db", db, "--model", "sold-as-r1-distill", "--claims",
                            "DeepSeek-R1", "--format", "json"},
                           tmp.path());
  EXPECT_EQ(distill.code, 1) << distill.out << distill.err;
  EXPECT_NE(distill.out.find("\"verdict\": \"inconsistent\""), std::string::npos) << distill.out;
  EXPECT_NE(distill.out.find("qwen2"), std::string::npos) << distill.out;

  Store store(db, StoreMode::kReadOnly);
  auto all = store.list_verifies();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].verdict, "consistent");
  EXPECT_EQ(all[1].verdict, "inconsistent");
  EXPECT_EQ(all[1].model, "sold-as-r1-distill");
  EXPECT_LE(store.verify_requests(all[1].id).size(), 12u);
}

TEST(VerifyCli, ABudgetTooSmallToDecideIsUndecidedExit3) {
  TempDir tmp;
  auto r = run_rigor({"verify", "-c", kConfig, "--db", tmp / "v.db", "--model", "r1-behind-usage-dropping-proxy",
                      "--claims", "DeepSeek-R1", "--budget-usd", "0.005"},
                     tmp.path());
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("UNDECIDED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not run"), std::string::npos) << "no usage: the tokenizer test cannot run\n" << r.out;
  EXPECT_NE(r.out.find("next:"), std::string::npos) << r.out;
}

TEST(VerifyCli, BadInputIsAUsageErrorNamingWhatIsWrong) {
  TempDir tmp;
  auto claim = run_rigor({"verify", "-c", kConfig, "--db", tmp / "v.db", "--model", "sold-as-r1-genuine",
                          "--claims", "GPT-7"},
                         tmp.path());
  EXPECT_EQ(claim.code, 2);
  EXPECT_NE(claim.err.find("unknown claim \"GPT-7\""), std::string::npos) << claim.err;
  auto model = run_rigor({"verify", "-c", kConfig, "--db", tmp / "v.db", "--model", "nope", "--claims", "DeepSeek-R1"},
                         tmp.path());
  EXPECT_EQ(model.code, 2);
  EXPECT_NE(model.err.find("no model \"nope\""), std::string::npos) << model.err;
  auto reference = run_rigor({"verify", "-c", kConfig, "--db", tmp / "v.db", "--model", "sold-as-r1-genuine",
                              "--claims", "DeepSeek-R1", "--reference", "run-1"},
                             tmp.path());
  EXPECT_EQ(reference.code, 2);
  EXPECT_NE(reference.err.find("not built yet"), std::string::npos) << reference.err;
}

}  // namespace
}  // namespace rigor
