// The shared check behind every scorer's case table: columns response, gold,
// expected correct (1/0), expected extracted answer ("-" = none extracted).
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "scorers/scorer.h"
#include "tests/case_table.h"

namespace rigor::testing {

// Scores every row of tests/data/<file>; returns how many rows were checked.
inline int check_scorer_cases(const Scorer& scorer, const std::string& file) {
  int checked = 0;
  for (const auto& c : read_cases(file, 4)) {
    Verdict v = scorer.score(c[0], c[1]);
    SCOPED_TRACE("response: " + c[0] + " | gold: " + c[1] + " | reason: " + v.reason);
    EXPECT_EQ(v.correct, c[2] == "1");
    if (c[3] == "-") {
      EXPECT_FALSE(v.extracted_ok);
    } else {
      EXPECT_TRUE(v.extracted_ok);
      EXPECT_EQ(v.extracted, c[3]);
    }
    EXPECT_FALSE(v.reason.empty()) << "every verdict says which rule fired or why it failed";
    ++checked;
  }
  return checked;
}

}  // namespace rigor::testing
