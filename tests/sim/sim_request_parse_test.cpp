// The simulator reads requests with two parsers: a simple one for the common
// shape and the document parser for everything else. The simple one must
// never change a result: whenever it answers, the document parser answers
// the same; whatever it cannot read exactly, it hands over.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/sim_wire.h"

namespace rigor::sim {
namespace {

void expect_same(const ChatRequest& a, const ChatRequest& b, const std::string& body) {
  EXPECT_EQ(a.model, b.model) << body;
  EXPECT_EQ(a.prompt, b.prompt) << body;
  EXPECT_EQ(a.prompt_tokens, b.prompt_tokens) << body;
  EXPECT_EQ(a.stream, b.stream) << body;
  EXPECT_EQ(a.include_usage, b.include_usage) << body;
  EXPECT_EQ(a.max_tokens, b.max_tokens) << body;
  EXPECT_EQ(a.seed, b.seed) << body;
  EXPECT_EQ(a.n, b.n) << body;
}

// Bodies the simple parser reads itself.
const std::vector<std::string> kSimple = {
    R"({"model":"m","messages":[{"role":"user","content":"What is 1+1?"}]})",
    R"({"model":"full","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"a b  c"}],
        "stream":true,"stream_options":{"include_usage":true},"temperature":0.6,"top_p":0.95,
        "max_tokens":32768,"seed":12345678901234567890})",
    R"( { "model" : "m" , "messages" : [ { "role" : "user" , "content" : "x\ny\t\"q\" \u00e9\ud83d\ude00" } ] , "seed" : -3 } )",
    R"({"model":"m","messages":[{"role":"user","content":"first"},{"role":"assistant","content":null},{"role":"user","content":"last one"}],"n":1})",
    R"({"model":"m","messages":[{"role":"user","content":"q","name":"u1"}],"max_tokens":5,"max_completion_tokens":7})",
    R"({"model":"m","messages":[{"content":"q","role":"user"}],"stream":null,"stream_options":null,"seed":null,"max_tokens":null})",
    R"({"model":"m","messages":[{"role":"user"}],"extra":{"nested":[1,2,{"a":"b"}]},"logprobs":false})",
    R"({"model":"m","messages":[{"role":"user","content":"q"}],"n":2})",  // read; refused later, by the server
};

// Bodies it must hand over: the document parser decides (value or error).
const std::vector<std::string> kHandedOver = {
    R"({"model":"m","messages":[{"role":"user","content":"héllo"}]})",                          // non-ASCII bytes
    R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"parts"}]}]})",  // content parts
    R"({"model":"a","model":"b","messages":[{"role":"user","content":"q"}]})",                  // repeated key
    R"({"model":"m","messages":[{"role":"user","content":"q"}],"max_tokens":0})",               // out of range
    R"({"model":"m","messages":[{"role":"user","content":"q"}],"max_tokens":5.0})",             // not an integer
    R"({"model":"m","messages":[{"role":"user","content":"q"}],"stream":"yes"})",
    R"({"model":"m","messages":[{"role":"user","content":"q"}],"stream_options":{"include_usage":1}})",
    R"({"model":"m","messages":[{"role":"user","content":"q"}],"seed":1.5})",
    R"({"model":"m","messages":[{"role":"user","content":"q"}],"seed":99999999999999999999999})",
    R"({"model":"m","messages":[{"role":"system","content":"q"}]})",                            // no user message
    R"({"model":"m","messages":[]})",
    R"({"messages":[{"role":"user","content":"q"}]})",                                         // no model
    R"({"model":7,"messages":[{"role":"user","content":"q"}]})",
    R"({"model":"m","messages":[{"role":"user","content":"q"}]} trailing)",
    R"({"model":"m","messages":[{"role":"user","content":"q"}])",                               // truncated
    R"([1,2,3])",
    "",
};

TEST(SimRequestParse, SimpleParserAgreesWithTheDocumentParser) {
  for (const auto& body : kSimple) {
    const auto simple = parse_simple_chat_request(body);
    ASSERT_TRUE(simple.has_value()) << "should be read by the simple parser: " << body;
    const auto doc = parse_chat_request_document(body);
    ASSERT_TRUE(doc.has_value()) << body << ": " << doc.error().message;
    expect_same(*simple, *doc, body);
  }
}

TEST(SimRequestParse, EverythingElseIsHandedToTheDocumentParser) {
  for (const auto& body : kHandedOver) {
    EXPECT_FALSE(parse_simple_chat_request(body).has_value()) << body;
    // parse_chat_request gives exactly what the document parser gives.
    const auto full = parse_chat_request(body);
    const auto doc = parse_chat_request_document(body);
    ASSERT_EQ(full.has_value(), doc.has_value()) << body;
    if (full) {
      expect_same(*full, *doc, body);
    } else {
      EXPECT_EQ(full.error().message, doc.error().message) << body;
      EXPECT_EQ(full.error().status, 400) << body;
    }
  }
}

TEST(SimRequestParse, ReadsTheFieldsItIsGiven) {
  const auto r = parse_simple_chat_request(kSimple[1]);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->model, "full");
  EXPECT_EQ(r->prompt, "a b  c");
  EXPECT_EQ(r->prompt_tokens, 2 + 3);  // words of every message
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  EXPECT_EQ(r->max_tokens, 32768);
  EXPECT_EQ(r->seed, 12345678901234567890ull);
  const auto last = parse_simple_chat_request(kSimple[3]);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->prompt, "last one");  // the last user message
  const auto both = parse_simple_chat_request(kSimple[4]);
  ASSERT_TRUE(both);
  EXPECT_EQ(both->max_tokens, 7);  // max_completion_tokens wins, as in the document parser
  const auto neg = parse_simple_chat_request(kSimple[2]);
  ASSERT_TRUE(neg);
  EXPECT_EQ(neg->seed, static_cast<uint64_t>(int64_t{-3}));
}

}  // namespace
}  // namespace rigor::sim
