// Hand-built rows for the reports tests: no database needed.
#pragma once

#include <string>

#include "store/store.h"

namespace rigor::testing {

inline SampleRecord ok_sample(const std::string& model, const std::string& suite, const std::string& problem,
                              int idx, bool correct, const std::string& extracted = "") {
  SampleRecord s;
  s.run_id = "run1";
  s.model = model;
  s.suite = suite;
  s.problem_id = problem;
  s.sample_idx = idx;
  s.status = SampleStatus::kOk;
  s.correct = correct;
  s.extracted_ok = true;
  s.extracted = extracted.empty() ? (correct ? "42" : "7") : extracted;
  s.finish_reason = "stop";
  return s;
}

inline SampleRecord error_sample(const std::string& model, const std::string& suite, const std::string& problem,
                                 int idx) {
  SampleRecord s;
  s.run_id = "run1";
  s.model = model;
  s.suite = suite;
  s.problem_id = problem;
  s.sample_idx = idx;
  s.status = SampleStatus::kError;
  s.error = "server: HTTP 503";
  return s;
}

inline SampleRecord with_usage(SampleRecord s, int64_t prompt, int64_t cached, int64_t completion,
                               int64_t reasoning) {
  s.prompt_tokens = prompt;
  s.cached_tokens = cached;
  s.completion_tokens = completion;
  s.reasoning_tokens = reasoning;
  return s;
}

}  // namespace rigor::testing
