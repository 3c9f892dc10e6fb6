// The two programs of a judged HumanEval run (see scorers/sandbox/THREAT_MODEL.md).
//
// The judge is trusted: it runs the dataset's prompt (for its helpers) and
// test code, and passes check() a stand-in for the candidate's function.
// Each call of the stand-in crosses to the candidate's jail over fd 3: the
// arguments go out and the return value comes back as plain data (None,
// bool, int, float, complex, str, bytes, list, tuple, dict, set, frozenset,
// exact types only, at most kMaxFrameBytes a message, never pickle), so the
// test compares real values of builtin types. The judge prints one line,
// {"verdict": ..., "detail": ...}, on its stdout, which the candidate cannot
// reach; "accepted" means check() returned.
//
// The candidate runs the prompt followed by the model's code as __main__,
// then answers calls until its channel closes. Nothing it does or writes is
// evidence of a pass: at most it decides which way it fails.
#pragma once

#include <string>

#include "scorers/code/humaneval_scorer.h"
#include "scorers/sandbox/sandbox.h"

namespace rigor {

inline constexpr size_t kMaxFrameBytes = 8u << 20;

// The judge: reads the gold (prompt, test, entry_point as JSON) on stdin.
sandbox::Program humaneval_judge(const std::string& gold_json);
// The candidate: the module humaneval_module() builds, with the entry point.
sandbox::Program humaneval_candidate(const HumanEvalSpec& spec, const std::string& code);

// The judge's report, read from its stdout. The verdicts it gives:
// "accepted", "wrong answer" (an assertion of check() failed), "runtime
// error" (check() raised something else), "candidate raised" (detail starts
// with the exception's type name), "candidate failed" (it never answered,
// answered malformed or non-plain data, or its channel closed).
struct JudgeReport {
  bool ok = false;  // a well-formed report line was found
  std::string verdict, detail;
};
JudgeReport parse_judge_report(const std::string& judge_stdout);

}  // namespace rigor
