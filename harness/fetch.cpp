#include "harness/fetch.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "base/retry.h"
#include "suites/registry.h"

namespace rigor {
namespace {

std::string escape(const std::string& s) {
  std::unique_ptr<char, decltype(&curl_free)> e(curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size())),
                                               &curl_free);
  return e ? std::string(e.get()) : s;
}

std::string redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) {
    text.replace(pos, secret.size(), "[redacted]");
  }
  return text;
}

tl::expected<std::string, Error> http_get(const std::string& url, const HubOptions& hub) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), &curl_easy_cleanup);
  if (!easy) throw std::runtime_error("curl_easy_init failed");
  CURL* e = easy.get();
  curl_slist* headers = nullptr;
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> guard(nullptr, &curl_slist_free_all);
  if (!hub.token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + hub.token).c_str());
    guard.reset(headers);
  }
  std::string body;
  char errbuf[CURL_ERROR_SIZE] = {};
  auto write = +[](char* data, size_t size, size_t count, void* user) -> size_t {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
  };
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);  // resolve/ redirects to the CDN
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
  if (headers) curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(hub.timeout_s * 1000));
  const CURLcode rc = curl_easy_perform(e);
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK) {
    Error err{rc == CURLE_OPERATION_TIMEDOUT ? ErrorCode::kTimeout : ErrorCode::kTransport,
              redact(fmt::format("GET {}: {} {}", url, curl_easy_strerror(rc), errbuf), hub.token), 0, -1};
    return tl::make_unexpected(std::move(err));
  }
  if (status < 200 || status >= 300) {
    Error err{error_code_for_status(static_cast<int>(status)),
              redact(fmt::format("GET {}: HTTP {}: {}", url, status, body.substr(0, 300)), hub.token),
              static_cast<int>(status), -1};
    return tl::make_unexpected(std::move(err));
  }
  return body;
}

}  // namespace

HubOptions hub_options_from_env() {
  HubOptions h;
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v && *v ? v : "";
  };
  h.token = env("HF_TOKEN");
  if (auto v = env("RIGOR_HF_ENDPOINT"); !v.empty()) h.hub_url = v;
  if (auto v = env("RIGOR_HF_ROWS_ENDPOINT"); !v.empty()) h.rows_url = v;
  return h;
}

tl::expected<Downloaded, Error> download_part(const FetchPart& part, const HubOptions& hub) {
  auto explain = [&](Error e) {
    if (e.code == ErrorCode::kAuth) {
      e.message += part.gated ? fmt::format(" -- {} is gated: accept its terms on the Hub, then set HF_TOKEN", part.dataset)
                              : " -- check HF_TOKEN";
    }
    return tl::make_unexpected(std::move(e));
  };
  if (!part.file.empty()) {
    const std::string url = fmt::format("{}/datasets/{}/resolve/main/{}", hub.hub_url, part.dataset, part.file);
    auto body = http_get(url, hub);
    if (!body) return explain(std::move(body.error()));
    return Downloaded{std::move(*body), url};
  }
  const std::string base = fmt::format("{}/rows?dataset={}&config={}&split={}", hub.rows_url, escape(part.dataset),
                                       escape(part.config), escape(part.split));
  Downloaded out;
  out.source = base;
  // The next page starts after the rows that came back, not after the rows
  // asked for: the API may answer a page short, and stepping by page_rows
  // would skip the rest silently.
  int64_t total = -1;
  for (int64_t offset = 0; total < 0 || offset < total;) {
    const std::string url = fmt::format("{}&offset={}&length={}", base, offset, hub.page_rows);
    auto page = http_get(url, hub);
    if (!page) return explain(std::move(page.error()));
    std::string rows;
    try {
      rows = rows_page_to_jsonl(*page, url, &total);
    } catch (const SuiteError& e) {
      return tl::make_unexpected(Error{ErrorCode::kParse, e.what(), 0, -1});
    }
    const auto got = static_cast<int64_t>(std::count(rows.begin(), rows.end(), '\n'));
    if (got == 0 && offset < total) {
      return tl::make_unexpected(Error{ErrorCode::kParse,
                                       fmt::format("{}: no rows at offset {} of {}", url, offset, total), 0, -1});
    }
    out.bytes += rows;
    offset += got;
  }
  return out;
}

}  // namespace rigor
