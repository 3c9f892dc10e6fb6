#include "suites/model_card.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <unistd.h>

#include <gtest/gtest.h>

#include "../case_table.h"
#include "suites/fingerprint.h"
#include "suites/loaders.h"
#include "suites/registry.h"

namespace rigor {
namespace {

const std::string kModelDir = std::string(RIGOR_SOURCE_DIR) + "/suites/cards/models";

TEST(ModelCard, BundledCardsHoldR1AndTheSixDistillsUnderTheR1Protocol) {
  auto cards = load_model_cards();
  ASSERT_EQ(cards.size(), 7u);
  for (const auto& c : cards) {
    EXPECT_EQ(c.protocol.temperature, 0.6) << c.name;
    EXPECT_EQ(c.protocol.top_p, 0.95) << c.name;
    EXPECT_EQ(c.protocol.samples, 64) << c.name;
    EXPECT_EQ(c.protocol.max_tokens, 32768) << c.name;
    EXPECT_NE(c.citation.find("arXiv:2501.12948"), std::string::npos) << c.name;
    EXPECT_FALSE(c.confirmed_from.empty()) << c.name;
    for (const char* suite : {"aime24", "math500", "gpqa-diamond", "livecodebench"})
      EXPECT_NE(c.result(suite, "pass@1"), nullptr) << c.name << " " << suite;
  }
}

TEST(ModelCard, FiguresMatchThePublishedTables) {
  auto cards = load_model_cards();
  size_t results = 0;
  for (const auto& c : cards) results += c.results.size();
  auto rows = testing::read_cases("model_card_figures.tsv", 4);
  EXPECT_EQ(rows.size(), results) << "every figure on the cards is in the table";
  for (const auto& row : rows) {
    const ModelCard* card = find_model_card(cards, row[0]);
    ASSERT_NE(card, nullptr) << row[0];
    const CardResult* r = card->result(row[1], row[2]);
    ASSERT_NE(r, nullptr) << row[0] << " " << row[1] << " " << row[2];
    EXPECT_DOUBLE_EQ(r->percent, std::stod(row[3])) << row[0] << " " << row[1] << " " << row[2];
  }
}

TEST(ModelCard, ClaimsAreFoundByNameOrAliasIgnoringCase) {
  auto cards = load_model_cards();
  ASSERT_NE(find_model_card(cards, "deepseek-reasoner"), nullptr);
  EXPECT_EQ(find_model_card(cards, "deepseek-reasoner")->name, "DeepSeek-R1");
  EXPECT_EQ(find_model_card(cards, "DEEPSEEK-AI/DeepSeek-R1-Distill-Llama-70B")->name, "DeepSeek-R1-Distill-Llama-70B");
  EXPECT_EQ(find_model_card(cards, "deepseek-r1")->name, "DeepSeek-R1");
  EXPECT_EQ(find_model_card(cards, "gpt-4o"), nullptr);
  EXPECT_EQ(find_model_card(cards, ""), nullptr);
}

// Each card's tokenizer is a fingerprint family, so verify can test it.
TEST(ModelCard, TokenizersAreFingerprintFamilies) {
  auto fingerprints = load_fingerprint_cards();
  for (const auto& c : load_model_cards()) {
    ASSERT_NE(fingerprints.family(c.tokenizer), nullptr) << c.name << ": " << c.tokenizer;
    const auto& models = fingerprints.family(c.tokenizer)->models;
    EXPECT_NE(std::find(models.begin(), models.end(), c.name), models.end()) << c.name;
  }
}

TEST(ModelCard, BrokenCardsAreRejectedNamingFileLineAndKey) {
  const std::string good = detail::read_file_bytes(kModelDir + "/deepseek-r1-distill-qwen-7b.toml", "card");
  ASSERT_NO_THROW(parse_model_card(good, "card.toml"));
  for (const auto& row : testing::read_cases("model_card_errors.tsv", 3)) {
    std::string text = good;
    size_t at = text.find(row[0]);
    ASSERT_NE(at, std::string::npos) << row[0];
    text.replace(at, row[0].size(), row[1]);
    try {
      parse_model_card(text, "card.toml");
      ADD_FAILURE() << "accepted: " << row[1];
    } catch (const SuiteError& e) {
      std::string msg = e.what();
      EXPECT_TRUE(std::regex_search(msg, std::regex("^card\\.toml:[0-9]+: "))) << msg;
      EXPECT_NE(msg.find(row[2]), std::string::npos) << msg;
    }
  }
}

class ModelCardDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("rigor-model-cards-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  std::filesystem::path dir_;
};

TEST_F(ModelCardDir, TwoCardsClaimingOneNameAreRejected) {
  std::string card = detail::read_file_bytes(kModelDir + "/deepseek-r1-distill-qwen-7b.toml", "card");
  write("a.toml", card);
  std::string other = card;
  other.replace(other.find("name = \"DeepSeek-R1-Distill-Qwen-7B\""), 36, "name = \"Other-7B\"");
  write("b.toml", other);  // still has the first card's aliases
  try {
    load_model_cards(dir_.string());
    ADD_FAILURE() << "accepted a shared alias";
  } catch (const SuiteError& e) {
    EXPECT_NE(std::string(e.what()).find("also claimed by"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_model_cards((dir_ / "missing").string()), SuiteError);
}

}  // namespace
}  // namespace rigor
