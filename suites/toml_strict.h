// Strict reading of a TOML table: every key read is marked, and finish()
// rejects the ones nobody read. Errors name the file, line and key path
// ("file.toml:12: profiles.x.key: what") and are thrown as `Error`, the
// fatal-user-error type of the library that reads (ConfigError in harness/,
// SuiteError for the cards in suites/).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace rigor {

template <class Error>
class StrictTomlReader {
 public:
  StrictTomlReader(const toml::table& table, std::string file, std::string prefix)
      : table_(table), file_(std::move(file)), prefix_(std::move(prefix)) {}

  std::string key_path(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : fmt::format("{}.{}", prefix_, key);
  }

  [[noreturn]] void fail(const toml::node* node, std::string_view key, std::string_view what) const {
    int line = node ? static_cast<int>(node->source().begin.line) : static_cast<int>(table_.source().begin.line);
    throw Error(fmt::format("{}:{}: {}: {}", file_, line, key_path(key), what));
  }

  bool has(std::string_view key) const { return table_.contains(key); }

  const toml::node* node(std::string_view key) {
    used_.insert(std::string(key));
    return table_.get(key);
  }

  std::optional<std::string> str(std::string_view key) {
    auto n = node(key);
    if (!n) return std::nullopt;
    if (!n->is_string()) fail(n, key, fmt::format("expected a string, got {}", type_name(*n)));
    return n->as_string()->get();
  }
  std::optional<double> num(std::string_view key) {
    auto n = node(key);
    if (!n) return std::nullopt;
    if (n->is_integer()) return static_cast<double>(n->as_integer()->get());
    if (!n->is_floating_point()) fail(n, key, fmt::format("expected a number, got {}", type_name(*n)));
    return n->as_floating_point()->get();
  }
  std::optional<int64_t> integer(std::string_view key) {
    auto n = node(key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) fail(n, key, fmt::format("expected an integer, got {}", type_name(*n)));
    return n->as_integer()->get();
  }
  std::optional<bool> boolean(std::string_view key) {
    auto n = node(key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) fail(n, key, fmt::format("expected true or false, got {}", type_name(*n)));
    return n->as_boolean()->get();
  }
  std::optional<std::vector<std::string>> str_list(std::string_view key) {
    auto n = node(key);
    if (!n) return std::nullopt;
    if (!n->is_array()) fail(n, key, fmt::format("expected an array of strings, got {}", type_name(*n)));
    std::vector<std::string> out;
    for (const auto& e : *n->as_array()) {
      if (!e.is_string()) fail(&e, key, "expected an array of strings");
      out.push_back(e.as_string()->get());
    }
    return out;
  }
  std::optional<std::vector<int64_t>> int_list(std::string_view key) {
    auto n = node(key);
    if (!n) return std::nullopt;
    if (!n->is_array()) fail(n, key, fmt::format("expected an array of integers, got {}", type_name(*n)));
    std::vector<int64_t> out;
    for (const auto& e : *n->as_array()) {
      if (!e.is_integer()) fail(&e, key, "expected an array of integers");
      out.push_back(e.as_integer()->get());
    }
    return out;
  }
  // A sub-table, or nullopt. The caller reads it with a reader of its own.
  const toml::table* table(std::string_view key) {
    auto n = node(key);
    if (!n) return nullptr;
    if (!n->is_table()) fail(n, key, fmt::format("expected a table, got {}", type_name(*n)));
    return n->as_table();
  }

  template <typename T>
  T required(std::optional<T> v, std::string_view key) const {
    if (!v) fail(nullptr, key, "required key is missing");
    return *v;
  }

  // Rejects every key that was not read.
  void finish() const {
    for (const auto& [k, v] : table_) {
      if (!used_.count(std::string(k.str()))) fail(&v, k.str(), "unknown key");
    }
  }

  static const char* type_name(const toml::node& n) {
    switch (n.type()) {
      case toml::node_type::string: return "a string";
      case toml::node_type::integer: return "an integer";
      case toml::node_type::floating_point: return "a float";
      case toml::node_type::boolean: return "a boolean";
      case toml::node_type::array: return "an array";
      case toml::node_type::table: return "a table";
      default: return "a date/time";
    }
  }

 private:
  const toml::table& table_;
  std::string file_;
  std::string prefix_;
  std::set<std::string> used_;
};

}  // namespace rigor
