// The scorer registry. "math" is the normaliser-based BasicMathScorer until
// the symbolic verifier (scorers/math/) takes over that name.
#include <memory>

#include "scorers/aime.h"
#include "scorers/basic_math.h"
#include "scorers/code/humaneval_scorer.h"
#include "scorers/code/stdio_scorer.h"
#include "scorers/gpqa.h"
#include "scorers/scorer.h"

namespace rigor {

std::unique_ptr<Scorer> make_scorer(std::string_view name) {
  if (name == "aime") return std::make_unique<AimeScorer>();
  if (name == "gpqa") return std::make_unique<GpqaScorer>();
  if (name == "math") return std::make_unique<BasicMathScorer>();
  if (name == "humaneval") return std::make_unique<HumanEvalScorer>();
  if (name == "stdio") return std::make_unique<StdioScorer>();
  return nullptr;
}

}  // namespace rigor
