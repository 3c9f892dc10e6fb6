// The scorer seam: extract an answer from a response and verify it.
// Pure library: no network, nothing from harness/ or reports/.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace rigor {

struct Verdict {
  bool correct = false;
  bool extracted_ok = false;  // an answer could be extracted at all
  std::string extracted;      // the extracted answer, normalised for display
  std::string reason;         // which rule fired, or why it failed
  // The scorer could not judge the answer for a reason outside it (the
  // sandbox failed to run it): no verdict at all, never a wrong answer. The
  // harness stores such a sample as an error, and a resumed run retries it.
  bool error = false;
};

class Scorer {
 public:
  virtual ~Scorer() = default;
  // Scores the answer part of a response (reasoning already removed) against
  // the reference. Never throws on malformed input: a false with a reason.
  virtual Verdict score(std::string_view answer, std::string_view gold) const = 0;
  // Whether two extracted answers are the same answer (used by cons@n voting).
  virtual bool equivalent(std::string_view a, std::string_view b) const = 0;
  virtual std::string name() const = 0;
  // Bumped whenever a change could flip a verdict; stored with every run.
  virtual std::string version() const = 0;
  // Whether one score() takes milliseconds or more (code run in the sandbox)
  // rather than microseconds: the runner scores batches of slow scorers on
  // several threads.
  virtual bool slow() const { return false; }
};

// "aime", "math", "gpqa". Returns nullptr for an unknown name.
std::unique_ptr<Scorer> make_scorer(std::string_view name);

}  // namespace rigor
