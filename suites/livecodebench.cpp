// LiveCodeBench-style prompts (the chat-model format LiveCodeBench uses:
// a question, a format instruction, and an answer cue; our own wording).
#include "suites/livecodebench.h"

#include <zlib.h>

#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

#include "suites/code_suites.h"
#include "suites/jsonl.h"
#include "suites/loaders.h"
#include "suites/registry.h"

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

namespace rigor {
namespace {

constexpr double kLcbTimeLimitS = 6.0;

template <class T>
bool take(std::string_view d, size_t& pos, T& out) {
  if (pos + sizeof(T) > d.size()) return false;
  std::memcpy(&out, d.data() + pos, sizeof(T));  // pickle is little-endian, as is every target we build for
  pos += sizeof(T);
  return true;
}

}  // namespace

tl::expected<std::string, std::string> base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    int v = value(c);
    if (v < 0 || padding) return tl::unexpected(fmt::format("base64: bad character at offset {}", i));
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

tl::expected<std::string, std::string> zlib_inflate(std::string_view data) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return tl::unexpected(std::string("zlib: inflateInit failed"));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[1 << 16];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      std::string msg = zs.msg != nullptr ? zs.msg : "corrupt stream";
      inflateEnd(&zs);
      return tl::unexpected("zlib: " + msg);
    }
    out.append(buf, sizeof buf - zs.avail_out);
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return tl::unexpected(std::string("zlib: stream truncated"));
    }
  } while (rc != Z_STREAM_END);
  inflateEnd(&zs);
  return out;
}

tl::expected<nlohmann::json, std::string> read_pickle(std::string_view d) {
  using J = nlohmann::json;
  std::vector<J> stack;
  std::vector<size_t> marks;
  std::vector<J> memo;
  size_t pos = 0;
  auto fail = [&](const std::string& why) {
    return tl::unexpected(fmt::format("pickle: {} at offset {}", why, pos));
  };
  auto str_of = [&](size_t n) -> std::optional<std::string> {
    if (pos + n > d.size()) return std::nullopt;
    std::string s(d.substr(pos, n));
    pos += n;
    return s;
  };
  auto memo_put = [&](size_t idx) {
    if (memo.size() <= idx) memo.resize(idx + 1);
    memo[idx] = stack.back();
  };
  while (pos < d.size()) {
    unsigned char op = static_cast<unsigned char>(d[pos++]);
    switch (op) {
      case 0x80: {  // PROTO
        uint8_t v;
        if (!take(d, pos, v) || v > 5) return fail("unsupported protocol");
        break;
      }
      case 0x95: {  // FRAME
        uint64_t n;
        if (!take(d, pos, n)) return fail("truncated frame");
        break;
      }
      case '.':  // STOP
        if (stack.size() != 1) return fail("stack not a single value at STOP");
        return stack.back();
      case 'N': stack.push_back(nullptr); break;
      case 0x88: stack.push_back(true); break;
      case 0x89: stack.push_back(false); break;
      case 'J': {
        int32_t v;
        if (!take(d, pos, v)) return fail("truncated int");
        stack.push_back(v);
        break;
      }
      case 'K': {
        uint8_t v;
        if (!take(d, pos, v)) return fail("truncated int");
        stack.push_back(v);
        break;
      }
      case 'M': {
        uint16_t v;
        if (!take(d, pos, v)) return fail("truncated int");
        stack.push_back(v);
        break;
      }
      case 'G': {  // BINFLOAT, big-endian
        uint64_t bits = 0;
        if (pos + 8 > d.size()) return fail("truncated float");
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<unsigned char>(d[pos++]);
        double v;
        std::memcpy(&v, &bits, sizeof v);
        stack.push_back(v);
        break;
      }
      case 0x8c: case 'X': case 0x8d: case 'C': case 'B': case 0x8e: {  // str and bytes
        uint64_t n = 0;
        if (op == 0x8c || op == 'C') {
          uint8_t k;
          if (!take(d, pos, k)) return fail("truncated length");
          n = k;
        } else if (op == 'X' || op == 'B') {
          uint32_t k;
          if (!take(d, pos, k)) return fail("truncated length");
          n = k;
        } else if (!take(d, pos, n)) {
          return fail("truncated length");
        }
        auto s = str_of(n);
        if (!s) return fail("truncated string");
        if (op == 'C' || op == 'B' || op == 0x8e) {
          stack.push_back(J::binary(std::vector<uint8_t>(s->begin(), s->end())));
        } else {
          stack.push_back(std::move(*s));
        }
        break;
      }
      case 0x94:  // MEMOIZE
        if (stack.empty()) return fail("memoize on empty stack");
        memo_put(memo.size());
        break;
      case 'q': case 'r': {  // BINPUT, LONG_BINPUT
        uint32_t idx = 0;
        if (op == 'q') {
          uint8_t k;
          if (!take(d, pos, k)) return fail("truncated index");
          idx = k;
        } else if (!take(d, pos, idx)) {
          return fail("truncated index");
        }
        if (stack.empty()) return fail("put on empty stack");
        memo_put(idx);
        break;
      }
      case 'h': case 'j': {  // BINGET, LONG_BINGET
        uint32_t idx = 0;
        if (op == 'h') {
          uint8_t k;
          if (!take(d, pos, k)) return fail("truncated index");
          idx = k;
        } else if (!take(d, pos, idx)) {
          return fail("truncated index");
        }
        if (idx >= memo.size()) return fail("get of an unknown memo entry");
        stack.push_back(memo[idx]);
        break;
      }
      case ']': stack.push_back(J::array()); break;
      case '}': stack.push_back(J::object()); break;
      case ')': stack.push_back(J::array()); break;  // EMPTY_TUPLE: a tuple reads as a list
      case '(': marks.push_back(stack.size()); break;
      case 'a': {  // APPEND
        if (stack.size() < 2 || !stack[stack.size() - 2].is_array()) return fail("append to a non-list");
        J v = std::move(stack.back());
        stack.pop_back();
        stack.back().push_back(std::move(v));
        break;
      }
      case 'e': case 't': case 'u': {  // APPENDS, TUPLE, SETITEMS
        if (marks.empty()) return fail("no mark");
        size_t m = marks.back();
        marks.pop_back();
        if (op == 't') {
          J t = J::array();
          for (size_t i = m; i < stack.size(); ++i) t.push_back(std::move(stack[i]));
          stack.resize(m);
          stack.push_back(std::move(t));
          break;
        }
        if (m == 0 || m > stack.size()) return fail("bad mark");
        J& target = stack[m - 1];
        if (op == 'e') {
          if (!target.is_array()) return fail("appends to a non-list");
          for (size_t i = m; i < stack.size(); ++i) target.push_back(std::move(stack[i]));
        } else {
          if (!target.is_object() || (stack.size() - m) % 2 != 0) return fail("setitems on a non-dict");
          for (size_t i = m; i < stack.size(); i += 2) {
            if (!stack[i].is_string()) return fail("dict key that is not a str");
            target[stack[i].get<std::string>()] = std::move(stack[i + 1]);
          }
        }
        stack.resize(m);
        break;
      }
      case 's': {  // SETITEM
        if (stack.size() < 3 || !stack[stack.size() - 3].is_object() || !stack[stack.size() - 2].is_string()) {
          return fail("setitem on a non-dict");
        }
        J v = std::move(stack.back());
        stack.pop_back();
        std::string k = stack.back().get<std::string>();
        stack.pop_back();
        stack.back()[k] = std::move(v);
        break;
      }
      case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
        size_t n = op - 0x84;
        if (stack.size() < n) return fail("tuple of a short stack");
        J t = J::array();
        for (size_t i = stack.size() - n; i < stack.size(); ++i) t.push_back(std::move(stack[i]));
        stack.resize(stack.size() - n);
        stack.push_back(std::move(t));
        break;
      }
      default:
        return fail(fmt::format("opcode 0x{:02x} is not allowed (only plain data is read)", op));
    }
  }
  return fail("no STOP");
}

tl::expected<nlohmann::json, std::string> decode_lcb_tests(std::string_view field) {
  auto plain = nlohmann::json::parse(field, nullptr, false);
  if (!plain.is_discarded()) return plain;
  auto raw = base64_decode(field);
  if (!raw) return tl::unexpected("not JSON, and " + raw.error());
  auto inflated = zlib_inflate(*raw);
  if (!inflated) return tl::unexpected("not JSON, and " + inflated.error());
  auto value = read_pickle(*inflated);
  if (!value) return tl::unexpected(value.error());
  if (!value->is_string()) return tl::unexpected(std::string("the pickle holds no str of JSON"));
  auto tests = nlohmann::json::parse(value->get<std::string>(), nullptr, false);
  if (tests.is_discarded()) return tl::unexpected(std::string("the pickled str is not JSON"));
  return tests;
}

namespace detail {

Suite load_livecodebench(const std::string& path) {
  std::string bytes = read_file_bytes(path, "LiveCodeBench file");
  Suite s;
  s.name = "livecodebench";
  s.scorer = "stdio";
  s.template_id = kLcbTemplate;
  s.data_hash = sha256_hex(bytes);
  s.source = fmt::format("LiveCodeBench release file supplied by the user: {}", path);
  std::unordered_set<std::string> seen;
  for (const auto& l : parse_jsonl(bytes, path)) {
    auto field_error = [&](const char* field, const std::string& why) {
      return SuiteError(fmt::format("{}:{}: field \"{}\": {}", path, l.line, field, why));
    };
    Problem p;
    p.id = "lcb/" + require_string(l, "question_id", path);
    std::string question = require_string(l, "question_content", path);
    std::string starter = require_string(l, "starter_code", path);
    std::string fn_name;
    if (auto m = l.value.find("metadata"); m != l.value.end()) {
      auto meta = m->is_string() ? nlohmann::json::parse(m->get<std::string>(), nullptr, false) : *m;
      if (meta.is_discarded() || !meta.is_object()) throw field_error("metadata", "not a JSON object");
      if (auto f = meta.find("func_name"); f != meta.end()) {
        if (!f->is_string()) throw field_error("metadata", "func_name is not a string");
        fn_name = f->get<std::string>();
      }
    }
    nlohmann::json tests = nlohmann::json::array();
    std::string testtype;
    for (const char* field : {"public_test_cases", "private_test_cases"}) {
      std::string text = require_string(l, field, path);
      auto decoded = decode_lcb_tests(text);
      if (!decoded) throw field_error(field, decoded.error());
      if (!decoded->is_array()) throw field_error(field, "not a list of tests");
      for (const auto& t : *decoded) {
        if (!t.is_object() || !t.contains("input") || !t.contains("output") || !t["input"].is_string() ||
            !t["output"].is_string() || !t.contains("testtype") || !t["testtype"].is_string()) {
          throw field_error(field, "a test without string input, output and testtype");
        }
        std::string type = t["testtype"];
        if (type != "stdin" && type != "functional") throw field_error(field, "testtype \"" + type + "\"");
        if (!testtype.empty() && type != testtype) throw field_error(field, "stdin and functional tests mixed");
        testtype = type;
        tests.push_back({{"input", t["input"]}, {"output", t["output"]}});
      }
    }
    if (tests.empty()) throw field_error("private_test_cases", "no tests at all");
    nlohmann::json gold{{"tests", tests}, {"time_limit_s", kLcbTimeLimitS}};
    if (testtype == "functional") {
      if (fn_name.empty()) throw field_error("metadata", "functional tests but no func_name");
      gold["fn_name"] = fn_name;
      p.statement = lcb_functional_prompt(question, starter);
    } else {
      p.statement = lcb_stdin_prompt(question);
    }
    p.gold = gold.dump();
    p.meta["testtype"] = testtype;
    p.meta["tests"] = tests.size();
    for (const char* key : {"question_title", "platform", "contest_id", "contest_date"}) {
      if (auto it = l.value.find(key); it != l.value.end()) p.meta[key] = *it;
    }
    std::string level = require_string(l, "difficulty", path);
    if (level == "easy") p.meta["difficulty"] = 0.0;
    else if (level == "medium") p.meta["difficulty"] = 0.5;
    else if (level == "hard") p.meta["difficulty"] = 1.0;
    else throw field_error("difficulty", "must be easy, medium or hard, got \"" + level + "\"");
    p.meta["difficulty_source"] = "LiveCodeBench difficulty (easy 0, medium 0.5, hard 1)";
    if (!seen.insert(p.id).second) throw field_error("question_id", "duplicate " + p.id);
    s.problems.push_back(std::move(p));
  }
  return s;
}

}  // namespace detail
}  // namespace rigor
