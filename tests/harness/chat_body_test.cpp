// chat_request_text() writes the request body without a JSON document. For
// every request it accepts, the text must be what chat_request_body().dump()
// gives; everything else (extras, invalid UTF-8, odd numbers) it must hand
// back to the document path.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/engines/dialect.h"
#include "harness/engines/openai_engine.h"

namespace rigor {
namespace {

CompletionRequest make(const std::string& content) {
  CompletionRequest r;
  r.model = "deepseek-ai/DeepSeek-R1";
  r.messages = {{"user", content}};
  r.seed = 1234567890123ULL;
  r.max_tokens = 32768;
  return r;
}

void expect_same_text(const CompletionRequest& r) {
  for (bool usage : {true, false}) {
    const auto text = chat_request_text(r, usage);
    ASSERT_TRUE(text.has_value());
    EXPECT_EQ(*text, chat_request_body(r, usage).dump());
  }
}

TEST(ChatRequestText, IsTheDocumentsTextForOrdinaryRequests) {
  std::vector<std::string> contents = {
      "What is 1+1? Please reason step by step, and put your final answer within \\boxed{}.",
      "",
      "quotes \" and backslashes \\ and slash /",
      "lines\nand\ttabs\r\nand \b\f",
      "caf\xc3\xa9 \xe2\x88\x9a" "2 \xf0\x9f\x98\x80 \xef\xbf\xbf",
      "\x7f" " delete is not escaped",
  };
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls.push_back(static_cast<char>(c));
  contents.push_back(controls);
  for (const std::string& c : contents) {
    SCOPED_TRACE(c);
    expect_same_text(make(c));
  }
  CompletionRequest r = make("q");
  r.messages = {{"system", "be brief"}, {"user", "q1"}, {"assistant", "a1"}, {"user", "q2"}};
  expect_same_text(r);
  r.seed.reset();
  expect_same_text(r);
  r.seed = std::numeric_limits<uint64_t>::max();
  expect_same_text(r);
  r.seed = 0;
  expect_same_text(r);
  for (double v : {0.0, 0.6, 0.95, 1.0, 1.5, 2.0, 0.1 + 0.2, 1e-4, 0.7000000000000001, 123456.789}) {
    SCOPED_TRACE(v);
    r.temperature = v;
    r.top_p = v;
    expect_same_text(r);
  }
  r.max_tokens = 0;
  expect_same_text(r);
}

TEST(ChatRequestText, HandsBackWhatOnlyTheDocumentPathDoes) {
  CompletionRequest r = make("q");
  r.extra = {{"top_k", 20}};
  EXPECT_FALSE(chat_request_text(r, true)) << "extras are merged by the document path";
  r.extra = nullptr;
  EXPECT_TRUE(chat_request_text(r, true)) << "no extras";
  for (const char* bad : {"\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", "ok \xe2\x82"}) {
    CompletionRequest b = make(std::string("bad ") + bad);
    EXPECT_FALSE(chat_request_text(b, true)) << "invalid UTF-8 goes where it is refused";
    EXPECT_THROW(chat_request_body(b, true).dump(), nlohmann::json::exception);
  }
  for (double v : {std::nan(""), std::numeric_limits<double>::infinity(), 1e-7, 1e20}) {
    CompletionRequest b = make("q");
    b.temperature = v;
    EXPECT_FALSE(chat_request_text(b, true)) << v;
  }
}

TEST(ChatRequestText, DialectsThatKeepTheBodyAreTheOnesSaidTo) {
  CompletionRequest r = make("q");
  for (const std::string& name : dialect_names()) {
    const auto d = parse_dialect(name);
    ASSERT_TRUE(d);
    const bool same = dialect_request_body(*d, r, true) == chat_request_body(r, true);
    EXPECT_EQ(dialect_rewrites_body(*d), !same) << name;
  }
}

}  // namespace
}  // namespace rigor
