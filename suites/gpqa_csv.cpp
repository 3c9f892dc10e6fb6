// GPQA from the user's own copy of the official CSV (GPQA is not bundled:
// its authors ask that the questions not be republished in plain text).
#include <cerrno>
#include <cstdlib>
#include <unordered_set>

#include <fmt/format.h>

#include "suites/csv.h"
#include "suites/loaders.h"
#include "suites/registry.h"

namespace rigor::detail {
namespace {

constexpr const char* kRequired[] = {"Question", "Correct Answer", "Incorrect Answer 1",
                                     "Incorrect Answer 2", "Incorrect Answer 3"};
constexpr char kRecordId[] = "Record ID";
constexpr char kNonExpertAccuracy[] = "Non-Expert Validator Accuracy";
constexpr const char* kOptionalMeta[] = {"High-level domain", "Subdomain",
                                         "Writer's Difficulty Estimate"};

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

int column_index(const CsvTable& t, std::string_view name) {
  for (size_t i = 0; i < t.header.size(); ++i) {
    if (trim(t.header[i]) == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

Suite parse_gpqa_csv(const std::string& text, const std::string& path) {
  auto table = parse_csv(text);
  if (!table) {
    throw SuiteError(fmt::format("{}:{}: malformed CSV: {}", path, table.error().line,
                                 table.error().message));
  }
  int cols[5];
  for (int i = 0; i < 5; ++i) {
    cols[i] = column_index(*table, kRequired[i]);
    if (cols[i] < 0) {
      throw SuiteError(fmt::format("{}: missing column \"{}\" (is this the official GPQA CSV?)",
                                   path, kRequired[i]));
    }
  }
  const int id_col = column_index(*table, kRecordId);
  const int acc_col = column_index(*table, kNonExpertAccuracy);

  Suite s;
  s.name = "gpqa-diamond";
  s.scorer = "gpqa";
  s.template_id = "gpqa-letter-v1";
  s.data_hash = sha256_hex(text);
  s.source = fmt::format("GPQA (Rein et al., 2023), user-supplied CSV {}", path);
  std::unordered_set<std::string> seen;
  int row_no = 0;
  for (const auto& rec : table->rows) {
    ++row_no;
    Problem p;
    for (int i = 0; i < 5; ++i) {
      std::string v = trim(rec.fields[cols[i]]);
      if (v.empty()) {
        throw SuiteError(
            fmt::format("{}:{}: column \"{}\" is empty", path, rec.line, kRequired[i]));
      }
      if (i == 0) {
        p.statement = std::move(v);
      } else {
        p.choices.push_back(std::move(v));
      }
    }
    p.gold = p.choices[0];
    if (id_col >= 0) {
      std::string rid = trim(rec.fields[id_col]);
      if (rid.empty()) {
        throw SuiteError(fmt::format("{}:{}: column \"{}\" is empty", path, rec.line, kRecordId));
      }
      p.id = "gpqa-diamond/" + rid;
      p.meta["record_id"] = rid;
    } else {
      p.id = fmt::format("gpqa-diamond/{}", row_no);
    }
    if (!seen.insert(p.id).second) {
      throw SuiteError(fmt::format("{}:{}: duplicate problem id \"{}\"", path, rec.line, p.id));
    }
    for (const char* name : kOptionalMeta) {
      int c = column_index(*table, name);
      if (c >= 0 && !trim(rec.fields[c]).empty()) p.meta[name] = trim(rec.fields[c]);
    }
    if (acc_col >= 0) {
      std::string v = trim(rec.fields[acc_col]);
      char* end = nullptr;
      errno = 0;
      double acc = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || errno != 0 || acc < 0 || acc > 1) {
        throw SuiteError(fmt::format("{}:{}: column \"{}\" must be a number in [0,1], got \"{}\"",
                                     path, rec.line, kNonExpertAccuracy, v));
      }
      p.meta["difficulty"] = 1.0 - acc;
      p.meta["difficulty_source"] = "1 - Non-Expert Validator Accuracy";
    } else {
      // Recorded, not hidden: a file without validator columns has no difficulty signal.
      p.meta["difficulty"] = 0.5;
      p.meta["difficulty_source"] = "none in CSV (fixed 0.5)";
    }
    s.problems.push_back(std::move(p));
  }
  if (s.problems.empty()) throw SuiteError(fmt::format("{}: no GPQA rows after the header", path));
  return s;
}

Suite load_gpqa_csv(const std::string& path) {
  return parse_gpqa_csv(read_file_bytes(path, "GPQA CSV"), path);
}

}  // namespace rigor::detail
