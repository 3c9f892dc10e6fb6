// The scorer registry. "math" is the symbolic verifier (scorers/math/, GiNaC
// behind exact and numeric fast paths); BasicMathScorer stays as its
// normalisation fast path and for comparison.
#include <memory>

#include "scorers/aime.h"
#include "scorers/math/math_scorer.h"
#include "scorers/code/humaneval_scorer.h"
#include "scorers/code/stdio_scorer.h"
#include "scorers/gpqa.h"
#include "scorers/scorer.h"

namespace rigor {

std::unique_ptr<Scorer> make_scorer(std::string_view name) {
  if (name == "aime") return std::make_unique<AimeScorer>();
  if (name == "gpqa") return std::make_unique<GpqaScorer>();
  if (name == "math") return make_math_scorer();
  if (name == "humaneval") return std::make_unique<HumanEvalScorer>();
  if (name == "stdio") return std::make_unique<StdioScorer>();
  return nullptr;
}

}  // namespace rigor
