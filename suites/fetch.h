// Fetching official dataset releases, the pure half: which Hugging Face
// files or datasets-server queries make up a suite, and converting the bytes
// that came back into rigor's suite files plus a provenance record. The
// download itself (libcurl, HF_TOKEN) lives in harness/fetch.h: suites/ does
// no network I/O.
//
// Fetched suites live in fetched_suites_dir()/<name>/: the data file
// (what the suite's loader reads) and provenance.json (sources, the SHA-256
// of every downloaded part and of the data file, release and date window,
// fetch time). load_suite() prefers a fetched copy over bundled data, and
// the data file's hash is what a run records as the suite's data_hash.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace rigor {

// One thing to download: a file of a dataset repository, or all rows of a
// (config, split) through the datasets-server rows API.
struct FetchPart {
  std::string dataset;  // "HuggingFaceH4/MATH-500"
  std::string file;     // a repository file ("gpqa_diamond.csv"); empty = rows API
  std::string config;   // rows API config ("default")
  std::string split;    // rows API split ("test")
  bool gated = false;   // needs the user's token (HF_TOKEN)
  std::string describe() const;  // "HuggingFaceH4/MATH-500 rows default/test" / "Idavidrein/gpqa file gpqa_diamond.csv"
};

struct FetchOptions {
  std::string release;  // livecodebench: "release_v1".."release_v6"; "" = the latest known
  std::string since;    // livecodebench: keep problems with contest_date >= since (YYYY-MM-DD); "" = no bound
  std::string until;    // livecodebench: keep problems with contest_date <= until (YYYY-MM-DD); "" = no bound
};

struct FetchPlan {
  std::string suite;
  std::string data_file;  // file name inside the suite folder ("test.jsonl", "gpqa_diamond.csv")
  std::vector<FetchPart> parts;
};

// Suites `rigor suites fetch` knows: gpqa-diamond, livecodebench, aime25, math500.
std::vector<std::string> fetchable_suite_names();

// Throws SuiteError for an unknown suite, an unknown release, a malformed
// date, or release/since/until given for a suite other than livecodebench.
FetchPlan fetch_plan(const std::string& suite, const FetchOptions& opts);

// One page of the datasets-server rows API ({"rows":[{"row_idx":..,"row":{..}}],
// "num_rows_total":N,...}) as JSONL, one `row` object per line. Sets *total
// to num_rows_total. Throws SuiteError naming `where` on a malformed page.
std::string rows_page_to_jsonl(std::string_view page, const std::string& where, int64_t* total);

struct ConvertedSuite {
  std::string data_file;        // from the plan
  std::string data;             // the suite file's bytes
  nlohmann::json provenance;    // what provenance.json holds
  int problems = 0;             // problems in `data`
};

// Converts the downloaded parts (bytes in plan order; rows parts as JSONL
// from rows_page_to_jsonl) into the suite file. aime25: the two exams'
// rows, renamed to {problem, answer}, I then II; math500: rows as is;
// gpqa-diamond: the official CSV as is; livecodebench: the release files
// concatenated, filtered to the date window. `sources` describes where each
// part came from (URLs or the user's --from files), `fetched_at` is an ISO
// time. Throws SuiteError on malformed input or an empty result.
ConvertedSuite convert_fetched(const FetchPlan& plan, const FetchOptions& opts, const std::vector<std::string>& parts,
                               const std::vector<std::string>& sources, const std::string& fetched_at);

// Writes data_file and provenance.json into dir/<suite>/ (created), each via
// a temporary file and rename, so a reader never sees half a file. Returns
// the folder. Throws SuiteError when it cannot write.
std::string write_fetched_suite(const std::string& dir, const std::string& suite, const ConvertedSuite& c);

// Where fetched suites live: $RIGOR_DATA_DIR/suites if set, else
// $XDG_DATA_HOME/rigor/suites, else ~/.local/share/rigor/suites.
std::string fetched_suites_dir();

// The fetched copy of a suite, if one exists: its data file and provenance.
struct FetchedSuite {
  std::string data_path;
  nlohmann::json provenance;
};
std::optional<FetchedSuite> find_fetched_suite(const std::string& suite);

}  // namespace rigor
