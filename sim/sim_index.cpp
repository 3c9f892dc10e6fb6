#include "sim/sim_index.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include <fmt/format.h>

namespace rigor {

namespace {

// The whole function as a chat model writes it: the prompt (imports,
// signature, docstring) and the canonical body. The wrong program is the same
// with every "return X" turned into "return None  # X": it runs, and returns
// nothing any HumanEval test expects.
void code_answers(const Problem& p, SimProblem& sp) {
  auto canonical = p.meta.find("canonical_solution");
  const auto spec = nlohmann::json::parse(p.gold, nullptr, false);
  if (canonical == p.meta.end() || !canonical->is_string() || !spec.is_object() || !spec.contains("prompt") ||
      !spec["prompt"].is_string()) {
    throw std::invalid_argument(
        fmt::format("{}/{}: a code problem needs meta.canonical_solution and a gold with its prompt", sp.suite,
                    sp.problem_id));
  }
  const std::string prompt = spec["prompt"].get<std::string>();
  const std::string body = canonical->get<std::string>();
  sp.code_right = prompt + body;
  std::string wrong;
  for (size_t pos = 0; pos < body.size();) {
    const size_t ret = body.find("return ", pos);
    if (ret == std::string::npos) {
      wrong += body.substr(pos);
      break;
    }
    wrong += body.substr(pos, ret - pos) + "return None  # ";
    pos = ret + 7;
  }
  if (wrong == body) wrong = body + "\n    return None\n";
  sp.code_wrong = prompt + wrong;
}

}  // namespace

void SimIndex::add_suite(const Suite& suite, const std::function<std::string(const Problem&)>& render) {
  if (difficulties_.count(suite.name)) throw std::invalid_argument(fmt::format("suite {} indexed twice", suite.name));
  suite_order_.push_back(suite.name);
  auto& diffs = difficulties_[suite.name];
  auto& golds = golds_[suite.name];
  for (const Problem& p : suite.problems) {
    auto it = p.meta.find("difficulty");
    if (it == p.meta.end() || !it->is_number() || !(it->get<double>() >= 0 && it->get<double>() <= 1))
      throw std::invalid_argument(
          fmt::format("{}/{}: meta.difficulty must be a number in [0, 1] for the simulator", suite.name, p.id));
    SimProblem sp;
    sp.suite = suite.name;
    sp.problem_id = p.id;
    sp.gold = p.gold;
    sp.difficulty = it->get<double>();
    sp.integer_answer = suite.scorer == "aime";
    if (suite.scorer == "humaneval") code_answers(p, sp);
    std::string prompt = render(p);
    if (!by_prompt_.emplace(prompt, problems_.size()).second)
      throw std::invalid_argument(fmt::format("{}/{}: its prompt is already indexed", suite.name, p.id));
    diffs.push_back(sp.difficulty);
    golds.push_back(sp.gold);
    problems_.push_back(std::move(sp));
  }
}

void SimIndex::add_choice_suite(const Suite& suite) {
  const size_t first = problems_.size();
  add_suite(suite, [](const Problem& p) { return "\x01choice:" + p.id; });  // never a real prompt
  for (size_t i = first; i < problems_.size(); ++i) {
    const Problem& p = suite.problems[i - first];
    if (p.choices.empty()) {
      throw std::invalid_argument(fmt::format("{}/{}: a multiple-choice problem without choices", suite.name, p.id));
    }
    problems_[i].choice_right = p.choices.front();  // the loader puts the correct choice first
    if (!by_statement_.emplace(p.statement, i).second) {
      throw std::invalid_argument(fmt::format("{}/{}: its statement is already indexed", suite.name, p.id));
    }
  }
}

const SimProblem* SimIndex::find(std::string_view prompt) const {
  // C++20 heterogeneous lookup needs a transparent hash; one string copy per
  // request is cheap next to the response.
  auto it = by_prompt_.find(std::string(prompt));
  if (it != by_prompt_.end()) return &problems_[it->second];
  if (by_statement_.empty()) return nullptr;
  const size_t choices = prompt.find("\n\nA) ");
  if (choices == std::string_view::npos) return nullptr;
  auto st = by_statement_.find(std::string(prompt.substr(0, choices)));
  return st == by_statement_.end() ? nullptr : &problems_[st->second];
}

std::string correct_letter(const SimProblem& p, std::string_view prompt) {
  if (p.choice_right.empty()) return "";
  for (char letter = 'A'; letter <= 'D'; ++letter) {
    const std::string line = fmt::format("\n{}) {}\n", letter, p.choice_right);
    if (prompt.find(line) != std::string_view::npos) return std::string(1, letter);
  }
  return "";
}

const std::vector<double>& SimIndex::difficulties(const std::string& suite) const {
  static const std::vector<double> kEmpty;
  auto it = difficulties_.find(suite);
  return it == difficulties_.end() ? kEmpty : it->second;
}

const std::vector<std::string>& SimIndex::golds(const std::string& suite) const {
  static const std::vector<std::string> kEmpty;
  auto it = golds_.find(suite);
  return it == golds_.end() ? kEmpty : it->second;
}

std::vector<std::string> SimIndex::suite_names() const { return suite_order_; }

}  // namespace rigor
