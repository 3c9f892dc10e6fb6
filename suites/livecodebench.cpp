// LiveCodeBench-style prompts (the chat-model format LiveCodeBench uses:
// a question, a format instruction, and an answer cue; our own wording).
#include "suites/code_suites.h"

namespace rigor {
namespace {

constexpr char kSystemLine[] =
    "You are an expert Python programmer. You will be given a question (problem specification) and "
    "will generate a correct Python program that matches the specification and passes all tests.\n\n";

}  // namespace

std::string lcb_stdin_prompt(const std::string& question) {
  return std::string(kSystemLine) + "### Question:\n" + question +
         "\n\n### Format: Read the inputs from stdin, solve the problem and write the answer to stdout "
         "(do not directly test on the sample inputs). Enclose your code within delimiters as follows.\n"
         "```python\n# YOUR CODE HERE\n```\n\n### Answer: (use the provided format with backticks)\n";
}

std::string lcb_functional_prompt(const std::string& question, const std::string& starter_code) {
  return std::string(kSystemLine) + "### Question:\n" + question +
         "\n\n### Format: You will use the following starter code to write the solution to the problem "
         "and enclose your code within delimiters.\n```python\n" +
         starter_code + "\n```\n\n### Answer: (use the provided format with backticks)\n";
}

}  // namespace rigor
