// The scanner reads string bodies sixteen bytes a step: whatever byte ends
// the plain run (a quote, a backslash, a control character) and wherever it
// falls, the string must read as nlohmann reads it, and a malformed one must
// fail.
#include "base/json_scanner.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace rigor::json {
namespace {

std::string read_string(const std::string& doc, bool* ok) {
  Scanner s(doc);
  std::string out;
  *ok = s.string(&out) && s.at_end();
  return out;
}

TEST(JsonScanner, StringsReadAlikeWhereverTheirEscapesFall) {
  const std::string escapes[] = {R"(\")", R"(\\)", R"(\n)", R"(\u00e9)", R"(\ud83d\ude00)", "\xc3\xa9"};
  for (const std::string& esc : escapes) {
    for (size_t before = 0; before <= 40; ++before) {
      for (size_t after : {0, 1, 15, 16, 17}) {
        const std::string doc = "\"" + std::string(before, 'a') + esc + std::string(after, 'b') + "\"";
        bool ok = false;
        const std::string got = read_string(doc, &ok);
        ASSERT_TRUE(ok) << doc;
        EXPECT_EQ(got, nlohmann::json::parse(doc).get<std::string>()) << doc;
      }
    }
  }
}

TEST(JsonScanner, ControlCharactersAndMissingQuotesFailAtAnyOffset) {
  for (size_t before = 0; before <= 40; ++before) {
    for (char bad : {'\x01', '\n', '\x1f'}) {
      const std::string doc = "\"" + std::string(before, 'a') + bad + "z\"";
      bool ok = true;
      read_string(doc, &ok);
      EXPECT_FALSE(ok) << "control byte at " << before;
    }
    bool ok = true;
    read_string("\"" + std::string(before, 'a'), &ok);
    EXPECT_FALSE(ok) << "unterminated after " << before;
  }
}

TEST(JsonScanner, KeysAreReadInPlaceOrDecoded) {
  for (size_t len = 0; len <= 40; ++len) {
    const std::string name(len, 'k');
    for (const std::string& key : {name, name + R"(\u0041)"}) {
      const std::string doc = "{\"" + key + "\":1}";
      Scanner s(doc);
      std::string seen;
      ASSERT_TRUE(s.object([&](std::string_view k) {
        seen = k;
        return s.skip();
      })) << doc;
      EXPECT_EQ(seen, nlohmann::json::parse(doc).begin().key()) << doc;
    }
  }
}

}  // namespace
}  // namespace rigor::json
