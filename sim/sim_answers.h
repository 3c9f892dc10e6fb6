// Answer forms for simulated responses: an equivalent rewriting of a gold
// answer (to exercise the scorers' equivalence) and a plausible wrong answer
// that is never equivalent to the gold.
#pragma once

#include <string>
#include <vector>

#include "sim/sim_rng.h"

namespace rigor::sim {

// A form of `gold` a correct scorer must accept: "033" for AIME 33,
// "1/2" or "\dfrac{1}{2}" for "\frac{1}{2}". Returns gold unchanged when no
// rewriting is known to be safe.
std::string equivalent_form(const std::string& gold, bool integer_answer, Rng& rng);

// A wrong answer: AIME: another integer in 0..999; numbers: a different
// number; text with digits: one digit changed; otherwise another problem's
// answer (from `others`) that differs from gold, or gold with "+1" appended.
std::string wrong_answer(const std::string& gold, bool integer_answer, const std::vector<std::string>& others,
                         Rng& rng);

}  // namespace rigor::sim
