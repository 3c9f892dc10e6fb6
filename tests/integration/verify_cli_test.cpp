// `rigor verify` end to end: the real binary, its simulator, the demo config's
// genuine and impostor endpoints, the exit codes scripts rely on, and what it
// stores.
#include <filesystem>
#include <fstream>

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
  EXPECT_NE(reference.err.find("no run \"run-1\""), std::string::npos) << reference.err;
}

// The quantized copy keeps R1's tokenizer and most of its accuracy: against
// the card it passes, against a run of the genuine model it does not (its
// reasoning is longer).
TEST(VerifyCli, AgainstAReferenceRunTheQuantizedCopyIsInconsistent) {
  TempDir tmp;
  const std::string db = tmp / "v.db";
  const std::string ref_config = tmp / "ref.toml";
  std::ofstream(ref_config) << "[run]\nid = \"official\"\nseed = 5\nn = 8\nsuites = [\"aime24\"]\n\n"
                               "[[models]]\nname = \"r1-official\"\nengine = \"sim\"\nmodel_id = \"full\"\n"
                               "sim_profiles = \"" RIGOR_SOURCE_DIR "/configs/sim_profiles.toml\"\nconcurrency = 32\n";
  auto ref = run_rigor({"run", "-q", "-c", ref_config, "--db", db}, tmp.path());
  ASSERT_EQ(ref.code, 0) << ref.err;
  auto quantized = run_rigor({"verify", "-c", kConfig, "--db", db, "--model", "sold-as-r1-quantized", "--claims",
                              "DeepSeek-R1", "--reference", "official", "--seed", "1"},
                             tmp.path());
  EXPECT_EQ(quantized.code, 1) << quantized.out << quantized.err;
  EXPECT_NE(quantized.out.find("reasoning length    inconsistent"), std::string::npos) << quantized.out;
  auto genuine = run_rigor({"verify", "-c", kConfig, "--db", db, "--model", "sold-as-r1-genuine", "--claims",
                            "DeepSeek-R1", "--reference", "official", "--seed", "1"},
                           tmp.path());
  EXPECT_EQ(genuine.code, 0) << genuine.out << genuine.err;
}

// The same against a live trusted endpoint (the demo's r1-official, the
// genuine profile on a simulator with another seed): every drawn problem goes
// to both, and both sides' requests are stored and paid for.
TEST(VerifyCli, AgainstALiveReferenceTheGenuineEndpointIsConsistentAndTheQuantizedCopyIsNot) {
  TempDir tmp;
  const std::string db = tmp / "v.db";
  auto genuine = run_rigor({"verify", "-c", kConfig, "--db", db, "--model", "sold-as-r1-genuine", "--claims",
                            "DeepSeek-R1", "--reference", "r1-official", "--seed", "2"},
                           tmp.path());
  EXPECT_EQ(genuine.code, 0) << genuine.out << genuine.err;
  EXPECT_NE(genuine.out.find("paired accuracy     consistent"), std::string::npos) << genuine.out;
  EXPECT_NE(genuine.out.find("of which the reference"), std::string::npos) << genuine.out;
  auto quantized = run_rigor({"verify", "-c", kConfig, "--db", db, "--model", "sold-as-r1-quantized", "--claims",
                              "DeepSeek-R1", "--reference", "r1-official", "--seed", "2", "--format", "json"},
                             tmp.path());
  EXPECT_EQ(quantized.code, 1) << quantized.out << quantized.err;
  // The pairs' tests are in the JSON (which of them decides depends on the draws).
  for (const char* name : {"paired accuracy", "reasoning length", "answer length", "truncation",
                           "extraction failures"}) {
    EXPECT_NE(quantized.out.find(std::string("\"test\": \"") + name + "\""), std::string::npos) << name;
  }
  Store store(db, StoreMode::kReadOnly);
  auto all = store.list_verifies();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].verdict, "consistent");
  EXPECT_EQ(all[1].verdict, "inconsistent");
  int paired = 0, reference = 0;
  for (const auto& r : store.verify_requests(all[1].id)) {
    paired += r.test == "paired";
    reference += r.test == "paired-reference";
  }
  EXPECT_GT(paired, 0);
  EXPECT_GT(reference, 0);
  auto report = run_rigor({"report", "--db", db, "--verify", "--run", all[1].id, "--format", "md"}, tmp.path());
  EXPECT_EQ(report.code, 0) << report.err;
  EXPECT_NE(report.out.find(" | inconsistent | "), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("| reasoning length | "), std::string::npos) << report.out;
}

}  // namespace
}  // namespace rigor
