// The suite registry: loads a named suite (bundled data or the user's GPQA
// CSV) and builds the prompt each sample sends. Pure library: file reads only.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "suites/sha256.h"
#include "suites/suite.h"

namespace rigor {

// A fatal user error in suite data or options: the message names the file,
// line and field (or column) at fault, or lists the valid choices.
class SuiteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SuiteOptions {
  std::string gpqa_csv;  // path of the user's official GPQA CSV (gpqa_diamond.csv); GPQA is not bundled
};

// Known names, in display order: aime24, aime25, math500, gpqa-diamond, humaneval, stdio-basic.
std::vector<std::string> known_suite_names();

// Loads a suite. Bundled data is read from the directory named by the
// environment variable RIGOR_SUITES_DIR if it is set and non-empty (for
// installed binaries), else from the source tree's suites/data. Every
// bundled problem has meta["difficulty"] in [0,1] (0 = easiest) and
// meta["difficulty_source"] saying how it was derived.
// Throws SuiteError: unknown name (listing the known ones), unreadable file,
// malformed line or field (naming file, line and field), duplicate ids,
// gpqa-diamond without opts.gpqa_csv.
Suite load_suite(const std::string& name, const SuiteOptions& opts = {});

// The directory bundled data is read from (see load_suite).
std::string suites_data_dir();

// Builds the user turn for one sample of problem p (DeepSeek-R1 protocol).
//  - template "r1-boxed-v1" (aime, math): "<statement>\nPlease reason step by
//    step, and put your final answer within \boxed{}."; gold = p.gold.
//  - template "gpqa-letter-v1": the question, the four choices labelled
//    A) .. D) in an order shuffled deterministically by sample_seed, then an
//    instruction to end with a line "Answer: LETTER"; permutation[pos] is the
//    index into p.choices shown at letter 'A'+pos; gold = the correct letter.
// The same (suite, problem, seed) always gives the same prompt on every
// platform. Throws std::invalid_argument for an unknown template_id or a GPQA
// problem without exactly four choices (a broken invariant).
PromptedSample make_prompt(const Suite& suite, const Problem& p, uint64_t sample_seed);

}  // namespace rigor
