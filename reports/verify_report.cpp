#include "reports/verify_report.h"

#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/pricing.h"
#include "reports/escape.h"
#include "reports/render_impl.h"

namespace rigor {
namespace {

struct Shown {
  VerifyRecord record;
  nlohmann::json outcome;  // VerifyOutcome::to_json(), or null while running / after a crash
};

std::vector<Shown> load(Store& store, const std::vector<std::string>& ids) {
  std::vector<Shown> out;
  std::vector<VerifyRecord> records;
  if (ids.empty()) {
    auto all = store.list_verifies();
    if (all.empty()) throw std::runtime_error(fmt::format("{} holds no verifies yet; run rigor verify", store.path()));
    records.push_back(all.back());
  }
  for (const auto& id : ids) {
    auto v = store.get_verify(id);
    if (!v) throw std::runtime_error(fmt::format("no verify \"{}\" in {}", id, store.path()));
    records.push_back(*v);
  }
  for (auto& r : records) {
    nlohmann::json detail = nlohmann::json::parse(r.detail_json, nullptr, false);
    nlohmann::json outcome = detail.is_object() && detail.contains("outcome") ? detail["outcome"] : nlohmann::json();
    out.push_back({std::move(r), std::move(outcome)});
  }
  return out;
}

std::string str(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

std::string verdict_of(const Shown& s) { return s.record.verdict.empty() ? "unfinished" : s.record.verdict; }

std::string spent_of(const nlohmann::json& o) {
  if (!o.is_object() || !o.contains("spent")) return "";
  const auto& s = o["spent"];
  // Verifies stored before the live reference's share was kept have no "reference".
  const nlohmann::json ref = s.value("reference", nlohmann::json::object());
  const int ref_requests = ref.is_object() ? ref.value("requests", 0) : 0;
  // Verifies stored before "priced" was kept were all priced per token or shown as $0.
  const bool priced = s.value("priced", true);
  return fmt::format("{} requests, {} tokens, {}{}{}", s.value("requests", 0), s.value("tokens", int64_t{0}),
                     counted_dollars(s.value("cost_usd", 0.0), priced), s.value("estimated", 0) > 0 ? " (partly estimated)" : "",
                     ref_requests > 0 ? fmt::format("; of which the reference {} requests, {} tokens, {}",
                                                    ref_requests, ref.value("tokens", int64_t{0}),
                                                    counted_dollars(ref.value("cost_usd", 0.0), priced))
                                      : "");
}

const nlohmann::json& tests_of(const Shown& s) {
  static const nlohmann::json none = nlohmann::json::array();
  return s.outcome.is_object() && s.outcome.contains("tests") ? s.outcome["tests"] : none;
}

// One row per test, every cell escaped by `esc`; the evidence lines follow the
// summary, separated by <br> (Markdown and HTML both render it).
std::vector<std::vector<std::string>> test_rows(const Shown& s, std::string (*esc)(std::string_view)) {
  std::vector<std::vector<std::string>> rows = {{"test", "verdict", "found", "false-accusation rate"}};
  for (const auto& t : tests_of(s)) {
    std::string found = esc(str(t, "summary"));
    for (const auto& e : t.value("evidence", nlohmann::json::array())) {
      if (e.is_string()) found += "<br>" + esc(e.get<std::string>());
    }
    const bool ran = str(t, "verdict") != "not run";
    rows.push_back({esc(str(t, "test")), esc(str(t, "verdict")), found, ran ? esc(str(t, "error_rate")) : ""});
  }
  return rows;
}

std::string text(const std::vector<Shown>& all, bool markdown) {
  auto esc = [&](const std::string& x) { return markdown ? escape_markdown(x) : escape_terminal(x); };
  std::string out;
  for (const auto& s : all) {
    const auto& r = s.record;
    if (markdown) {
      out += fmt::format("## {}: {} against the claim {}\n\n", esc(r.id), esc(r.model), esc(r.claim));
      out += fmt::format("**Verdict: {}** ({}). Started {}{}.\n\n", esc(verdict_of(s)), esc(spent_of(s.outcome)),
                         esc(r.started_at), r.finished_at.empty() ? "" : ", finished " + esc(r.finished_at));
      out += detail::md_table(test_rows(s, escape_markdown));
      if (!str(s.outcome, "next_step").empty()) out += "\nNext: " + esc(str(s.outcome, "next_step")) + "\n";
      out += "\n";
    } else {
      out += fmt::format("{}: {} against the claim {}: {} ({})\n", esc(r.id), esc(r.model), esc(r.claim),
                         esc(verdict_of(s)), esc(spent_of(s.outcome)));
      for (const auto& t : tests_of(s)) {
        out += fmt::format("  {:<19} {:<13} {}\n", esc(str(t, "test")), esc(str(t, "verdict")), esc(str(t, "summary")));
        for (const auto& e : t.value("evidence", nlohmann::json::array())) {
          if (e.is_string()) out += fmt::format("  {:<19} {:<13}   {}\n", "", "", esc(e.get<std::string>()));
        }
      }
      if (!str(s.outcome, "next_step").empty()) out += "  next: " + esc(str(s.outcome, "next_step")) + "\n";
    }
  }
  return out;
}

std::string csv(const std::vector<Shown>& all) {
  std::string out = "verify,model,claim,verdict,started_at,finished_at,test,test_verdict,summary,requests,tokens,cost_usd\n";
  for (const auto& s : all) {
    const auto& r = s.record;
    for (const auto& t : tests_of(s)) {
      out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{:.6f}\n", csv_field(r.id), csv_field(r.model),
                         csv_field(r.claim), csv_field(verdict_of(s)), csv_field(r.started_at),
                         csv_field(r.finished_at), csv_field(str(t, "test")), csv_field(str(t, "verdict")),
                         csv_field(str(t, "summary")), t.value("requests", 0), t.value("tokens", int64_t{0}),
                         t.value("cost_usd", 0.0));
    }
  }
  return out;
}

std::string json(const std::vector<Shown>& all) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : all) {
    out.push_back({{"id", s.record.id},
                   {"model", s.record.model},
                   {"claim", s.record.claim},
                   {"started_at", s.record.started_at},
                   {"finished_at", s.record.finished_at},
                   {"verdict", verdict_of(s)},
                   {"outcome", s.outcome}});
  }
  return out.dump(2) + "\n";
}

std::string html(Store& store, const std::vector<Shown>& all) {
  std::string out = detail::html_open("rigor verify report");
  out += "<h1>rigor verify</h1>\n";
  for (const auto& s : all) {
    const auto& r = s.record;
    out += fmt::format("<h2>{}: {} against the claim {}</h2>\n<p><b>Verdict: {}</b> ({}). Started {}.</p>\n",
                       escape_html(r.id), escape_html(r.model), escape_html(r.claim), escape_html(verdict_of(s)),
                       escape_html(spent_of(s.outcome)), escape_html(r.started_at));
    out += detail::html_table(test_rows(s, escape_html));
    if (!str(s.outcome, "next_step").empty()) out += "<p>Next: " + escape_html(str(s.outcome, "next_step")) + "</p>\n";
    std::vector<std::vector<std::string>> reqs = {
        {"#", "test", "item", "status", "correct", "prompt tokens", "output tokens", "$", "response (start)"}};
    for (const auto& q : store.verify_requests(r.id)) {
      std::string shown = q.status == "ok" ? q.response.substr(0, 160) : q.error.substr(0, 160);
      reqs.push_back({std::to_string(q.seq), escape_html(q.test), escape_html(q.item), escape_html(q.status),
                      q.correct < 0 ? "" : q.correct ? "yes" : "no",
                      q.prompt_tokens < 0 ? "" : std::to_string(q.prompt_tokens),
                      q.completion_tokens < 0 ? "" : std::to_string(q.completion_tokens),
                      q.cost_usd < 0 ? "" : fmt::format("{:.5f}", q.cost_usd), escape_html(shown)});
    }
    out += "<details><summary>Every request sent</summary>\n" + detail::html_table(reqs) + "</details>\n";
  }
  return out + detail::kHtmlClose;
}

}  // namespace

std::string render_verifies(Store& store, const std::vector<std::string>& ids, Format format) {
  const auto all = load(store, ids);
  switch (format) {
    case Format::kTable: return text(all, false);
    case Format::kMarkdown: return "# rigor verify\n\n" + text(all, true);
    case Format::kCsv: return csv(all);
    case Format::kJson: return json(all);
    case Format::kHtml: return html(store, all);
  }
  return "";
}

}  // namespace rigor
