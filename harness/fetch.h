// Downloading dataset releases from the Hugging Face Hub over libcurl: a
// repository file (resolve/main/<file>) or every row of a split through the
// datasets-server rows API, paged. The user's token comes from HF_TOKEN and
// is sent only as "Authorization: Bearer" to the hub hosts (curl drops it on
// a redirect to another host); gated sets (GPQA) need it.
#pragma once

#include <string>

#include <tl/expected.hpp>

#include "base/completion.h"
#include "suites/fetch.h"

namespace rigor {

struct HubOptions {
  std::string hub_url = "https://huggingface.co";                  // files: <hub>/datasets/<id>/resolve/main/<file>
  std::string rows_url = "https://datasets-server.huggingface.co";  // rows: <rows>/rows?dataset=..&config=..&split=..
  std::string token;          // HF_TOKEN; "" = anonymous
  double timeout_s = 600;     // per HTTP request
  int page_rows = 100;        // rows per page (the API's maximum)
};

// Defaults, overridden by HF_TOKEN, RIGOR_HF_ENDPOINT and RIGOR_HF_ROWS_ENDPOINT
// (the latter two for mirrors and tests).
HubOptions hub_options_from_env();

struct Downloaded {
  std::string bytes;   // a file's bytes, or the rows as JSONL
  std::string source;  // the URL it came from
};

// Errors: kAuth (401/403: for a gated part, the message says to set HF_TOKEN
// and accept the dataset's terms), kInvalidRequest (404 and other 4xx),
// kServer, kTimeout, kTransport, kParse (a rows page that is not what the
// API documents). The token never appears in a message.
tl::expected<Downloaded, Error> download_part(const FetchPart& part, const HubOptions& hub);

}  // namespace rigor
