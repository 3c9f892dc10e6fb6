#include "scorers/math/math_parser.h"

#include <cctype>
#include <utility>

#include "scorers/math/math_lexer.h"
#include "scorers/math/math_limits.h"

namespace rigor::math {
namespace {

// Thrown inside the recursive descent only, and always caught by
// parse_answer(): unwinding is the simplest way out of deep recursion on
// malformed input, and the public API stays exception-free.
struct Failure {
  std::string msg;
};

bool is_integer_num(const Node& n) { return n.kind == Kind::kNumber && n.aux == 0 && n.text.find('.') == std::string::npos; }

class Parser {
 public:
  explicit Parser(std::vector<Token> t) : t_(std::move(t)) {}

  Node answer() {
    std::vector<Node> all = top_items();
    if (cur().type != Tok::kEnd) fail("unexpected '" + cur().text + "'");
    if (all.empty()) fail("empty answer");
    if (all.size() == 1) return std::move(all[0]);
    return make(Kind::kList, "", std::move(all));
  }

 private:
  struct DepthGuard {
    explicit DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxDepth) p_.fail("refused: nesting deeper than " + std::to_string(kMaxDepth));
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };

  [[noreturn]] void fail(const std::string& msg) const {
    throw Failure{msg + " (at byte " + std::to_string(cur().pos) + ")"};
  }
  const Token& cur() const { return t_[i_]; }
  const Token& peek(size_t k) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  bool op(const char* s) const { return cur().type == Tok::kOp && cur().text == s; }
  static bool op_at(const Token& t, const char* s) { return t.type == Tok::kOp && t.text == s; }
  void next() {
    if (i_ + 1 < t_.size()) ++i_;
  }
  void expect(const char* s) {
    if (!op(s)) fail(std::string("expected '") + s + "'" + (cur().type == Tok::kEnd ? " before end" : ", got '" + cur().text + "'"));
    next();
  }
  Node make(Kind k, std::string text, std::vector<Node> kids = {}, int aux = 0) {
    if (++nodes_ > kMaxNodes) fail("refused: more than " + std::to_string(kMaxNodes) + " nodes");
    if (kids.size() > kMaxCollection + 2 && (k == Kind::kList || k == Kind::kSet || k == Kind::kTuple || k == Kind::kMatrix))
      fail("refused: more than " + std::to_string(kMaxCollection) + " elements");
    return Node{k, std::move(text), aux, std::move(kids)};
  }
  Node mul(std::vector<Node> f) { return f.size() == 1 ? std::move(f[0]) : make(Kind::kMul, "", std::move(f)); }

  bool closer() const {
    if (cur().type == Tok::kEnd) return true;
    if (cur().type == Tok::kCmd && cur().text.rfind("end:", 0) == 0) return true;
    if (cur().type != Tok::kOp) return false;
    const std::string& s = cur().text;
    return s == ")" || s == "]" || s == "}" || s == "}s" || s == "row" || s == "&" || (s == "|" && abs_depth_ > 0);
  }

  // Comma-separated items, in groups split at semicolons.
  std::vector<std::vector<Node>> item_groups() {
    std::vector<std::vector<Node>> groups(1);
    if (closer()) return groups;
    groups.back().push_back(item());
    while (op(",") || op(";")) {
      bool semi = false;
      while (op(",") || op(";")) {  // "19, 46, and 82": a comma then "and"
        semi = semi || op(";");
        next();
      }
      if (closer()) break;  // a trailing comma
      if (semi) groups.emplace_back();
      groups.back().push_back(item());
    }
    return groups;
  }

  // Items separated by ',' or ';' alike.
  std::vector<Node> items() {
    std::vector<Node> out;
    for (auto& g : item_groups())
      for (Node& n : g) out.push_back(std::move(n));
    return out;
  }

  // The answer's items. Where semicolons separate groups of comma-separated
  // items ("p=5, q=2; p=7, q=2": two solutions), each group of several is a
  // tuple; otherwise ';' separates items like ','.
  std::vector<Node> top_items() {
    std::vector<std::vector<Node>> groups = item_groups();
    bool grouped = false;
    if (groups.size() > 1)
      for (const auto& g : groups) grouped = grouped || g.size() > 1;
    std::vector<Node> out;
    for (auto& g : groups) {
      if (grouped && g.size() > 1) {
        out.push_back(make(Kind::kTuple, "", std::move(g)));
      } else {
        for (Node& n : g) out.push_back(std::move(n));
      }
    }
    return out;
  }

  static char relop(const Token& t) {
    if (t.type != Tok::kOp) return 0;
    if (t.text == "<") return '<';
    if (t.text == "<=") return 'l';
    if (t.text == "=") return '=';
    if (t.text == "!=") return 'n';
    if (t.text == ">") return '>';
    if (t.text == ">=") return 'g';
    if (t.text == "~=") return 'a';
    return 0;
  }

  Node item() {
    DepthGuard g(*this);
    // "x \in S" states the set S.
    if ((cur().type == Tok::kIdent || cur().type == Tok::kConst) && op_at(peek(1), "in")) {
      next();
      next();
      return union_expr();
    }
    std::vector<Node> kids;
    kids.push_back(ratio());
    std::string ops;
    while (char r = relop(cur())) {
      ops += r;
      next();
      kids.push_back(ratio());
    }
    if (ops.empty()) return std::move(kids[0]);
    return make(Kind::kRelation, ops, std::move(kids));
  }

  // "7:32", "A:B": a ratio, read as the ordered tuple of its terms.
  Node ratio() {
    Node first = union_expr();
    if (!op(":")) return first;
    std::vector<Node> kids;
    kids.push_back(std::move(first));
    while (op(":")) {
      next();
      kids.push_back(union_expr());
    }
    return make(Kind::kTuple, "", std::move(kids));
  }

  Node union_expr() {
    Node first = expr();
    if (!op("cup")) return first;
    std::vector<Node> kids;
    kids.push_back(std::move(first));
    while (op("cup")) {
      next();
      kids.push_back(expr());
    }
    return make(Kind::kUnion, "", std::move(kids));
  }

  Node expr() {
    DepthGuard g(*this);
    std::vector<Node> terms;
    auto flush = [&]() { return terms.size() == 1 ? std::move(terms[0]) : make(Kind::kAdd, "", std::move(terms)); };
    if (op("+")) {
      next();
      terms.push_back(term());
    } else if (op("-")) {
      next();
      terms.push_back(make(Kind::kNeg, "", {term()}));
    } else if (op("+-") || op("-+")) {
      std::string s = cur().text;
      next();
      terms.push_back(make(Kind::kPlusMinus, s, {term()}));
    } else {
      terms.push_back(term());
    }
    for (;;) {
      if (op("+")) {
        next();
        terms.push_back(term());
      } else if (op("-")) {
        next();
        terms.push_back(make(Kind::kNeg, "", {term()}));
      } else if (op("+-") || op("-+")) {
        std::string s = cur().text;
        next();
        Node lhs = flush();
        terms.clear();
        terms.push_back(make(Kind::kPlusMinus, s, {std::move(lhs), term()}));
      } else {
        break;
      }
    }
    return flush();
  }

  bool starts_factor() const {
    const Token& t = cur();
    switch (t.type) {
      case Tok::kNum: case Tok::kIdent: case Tok::kConst: case Tok::kCmd:
        return t.text.rfind("end:", 0) != 0;
      case Tok::kOp: return t.text == "(" || t.text == "{";
      default: return false;
    }
  }

  // 7\frac{3}{4} and 7 3/4 are mixed numbers (MATH's convention), not products.
  bool mixed_number_ahead() const {
    auto int_tok = [](const Token& t) { return t.type == Tok::kNum && !t.decimal && t.text.find('.') == std::string::npos; };
    if (!int_tok(cur())) return false;
    const Token& a = peek(1);
    if (a.type == Tok::kCmd && a.text == "frac") {
      if (op_at(peek(2), "{") && int_tok(peek(3)) && op_at(peek(4), "}") && op_at(peek(5), "{") &&
          int_tok(peek(6)) && op_at(peek(7), "}"))
        return true;
      return int_tok(peek(2)) && peek(2).text.size() == 2 && !op_at(peek(3), "^");
    }
    return int_tok(a) && op_at(peek(2), "/") && int_tok(peek(3)) && !op_at(peek(4), "^");
  }

  Node term() {
    DepthGuard g(*this);
    std::vector<Node> f;
    if (mixed_number_ahead()) {
      Node whole = make(Kind::kNumber, cur().text);
      next();
      Node frac;
      if (cur().type == Tok::kCmd) {
        frac = primary();
      } else {
        Node a = make(Kind::kNumber, cur().text);
        next();
        next();
        Node b = make(Kind::kNumber, cur().text);
        next();
        frac = make(Kind::kDiv, "", {std::move(a), std::move(b)});
      }
      Node mixed = make(Kind::kAdd, "", {std::move(whole), std::move(frac)});
      if (op("%")) {  // 7\frac12\% is 7.5%
        next();
        mixed = make(Kind::kPercent, "", {std::move(mixed)});
      }
      f.push_back(std::move(mixed));
    } else {
      f.push_back(power());
    }
    for (;;) {
      if (op("*")) {
        next();
        f.push_back(signed_factor());
      } else if (op("/")) {
        next();
        Node d = signed_factor();
        Node n = mul(std::move(f));
        f.clear();
        f.push_back(make(Kind::kDiv, "", {std::move(n), std::move(d)}));
      } else if (cur().type == Tok::kText) {
        // A word after a value is a unit ("5 \text{ cm}^2", "3 apples"): dropped.
        next();
        if (op("^")) {
          next();
          exponent();
        }
      } else if (starts_factor()) {
        if (cur().type == Tok::kNum && f.back().kind == Kind::kNumber) fail("two numbers in a row");
        f.push_back(power());
      } else {
        break;
      }
    }
    return mul(std::move(f));
  }

  Node signed_factor() {
    DepthGuard g(*this);
    if (op("-")) {
      next();
      return make(Kind::kNeg, "", {signed_factor()});
    }
    if (op("+")) {
      next();
      return signed_factor();
    }
    return power();
  }

  std::string subscript_text() {
    if (cur().type == Tok::kNum || cur().type == Tok::kIdent || cur().type == Tok::kConst) {
      std::string s = cur().text;
      next();
      return s;
    }
    if (!op("{")) fail("expected a subscript");
    next();
    std::string s;
    while (!op("}")) {
      if (cur().type == Tok::kEnd) fail("unclosed subscript");
      s += cur().text;
      next();
    }
    next();
    if (s.empty()) fail("empty subscript");
    return s;
  }

  Node based(const Node& digits, const std::string& sub) {
    int base = 0;
    for (char c : sub) {
      if (!std::isdigit((unsigned char)c) || base > 36) fail("base subscript must be a number 2..36");
      base = base * 10 + (c - '0');
    }
    if (base < 2 || base > 36) fail("base subscript must be a number 2..36");
    for (char c : digits.text) {
      if (c - '0' >= base) fail(std::string("digit ") + c + " is not valid in base " + std::to_string(base));
    }
    return make(Kind::kBased, digits.text, {}, base);
  }

  Node power() {
    DepthGuard g(*this);
    Node b = primary();
    for (;;) {
      if (op("_")) {
        next();
        std::string sub = subscript_text();
        if (is_integer_num(b)) {
          b = based(b, sub);
        } else if (b.kind == Kind::kSymbol) {
          b.text += "_" + sub;
        } else {
          fail("subscript on something that is neither a variable nor a numeral");
        }
      } else if (op("!")) {
        next();
        b = make(Kind::kFunc, "factorial", {std::move(b)});
      } else if (op("^")) {
        next();
        if (op("circ")) {  // degrees: the number stands as written
          next();
          continue;
        }
        if (op("{") && op_at(peek(1), "circ") && op_at(peek(2), "}")) {
          next();
          next();
          next();
          continue;
        }
        b = make(Kind::kPow, "", {std::move(b), exponent()});
      } else if (op("%")) {
        next();
        b = make(Kind::kPercent, "", {std::move(b)});
      } else {
        break;
      }
    }
    return b;
  }

  // LaTeX reads one character as an exponent or \frac/\sqrt argument unless
  // braced: x^23 is x^2 * 3, \frac12 is 1/2.
  Node first_digit() {
    Token& t = t_[i_];
    if (t.text.size() == 1 || t.decimal) {
      Node n = make(Kind::kNumber, t.text, {}, t.decimal ? 1 : 0);
      next();
      return n;
    }
    Node n = make(Kind::kNumber, t.text.substr(0, 1));
    t.text.erase(0, 1);
    size_t nz = t.text.find_first_not_of('0');
    if (nz == std::string::npos) t.text = "0";
    t.pos += 1;
    return n;
  }

  Node single_arg() {
    DepthGuard g(*this);
    if (op("{")) return group();
    if (cur().type == Tok::kNum) return first_digit();
    if (cur().type == Tok::kIdent || cur().type == Tok::kConst || cur().type == Tok::kCmd || op("("))
      return cur().type == Tok::kCmd || op("(") ? primary() : primary();
    fail("expected an argument");
  }

  Node exponent() {
    DepthGuard g(*this);
    if (op("-")) {
      next();
      return make(Kind::kNeg, "", {exponent()});
    }
    if (op("+")) {
      next();
      return exponent();
    }
    return single_arg();
  }

  Node group() {
    DepthGuard g(*this);
    expect("{");
    std::vector<Node> in = items();
    expect("}");
    if (in.empty()) fail("empty braces");
    if (in.size() == 1) return std::move(in[0]);
    // Plain braces only group: TeX typesets {1,3} as the list "1, 3" (a set
    // is written \{1,3\}).
    return make(Kind::kList, "", std::move(in));
  }

  Node bracket() {
    DepthGuard g(*this);
    bool open_square = op("[");
    next();
    std::vector<Node> in = items();
    bool close_square = op("]");
    if (!op(")") && !close_square) fail("unclosed bracket");
    next();
    bool same = open_square == close_square;
    if (in.size() == 1 && same) return std::move(in[0]);
    if (in.size() == 2 && !(open_square == false && close_square == false))
      return make(Kind::kInterval, "", std::move(in), (open_square ? 1 : 0) | (close_square ? 2 : 0));
    if (!same) fail("half-open bracket around " + std::to_string(in.size()) + " items");
    return make(Kind::kTuple, "", std::move(in));
  }

  Node function() {
    std::string name = cur().text;
    next();
    if (name == "cosec") name = "csc";
    if (name == "cotan") name = "cot";
    if (name == "ln") name = "log";
    bool have_pow = false;
    Node p;
    if (op("^")) {
      next();
      p = exponent();
      have_pow = true;
    }
    bool have_base = false;
    Node base;
    if (op("_")) {
      next();
      base = single_arg();
      have_base = true;
    }
    Node arg;
    if (op("(")) {
      arg = bracket();
    } else {
      std::vector<Node> f;
      f.push_back(signed_factor());
      while (starts_factor() && !(cur().type == Tok::kCmd && is_function_name(cur().text))) f.push_back(power());
      arg = mul(std::move(f));
    }
    Node out;
    if (name == "lg") {
      have_base = true;
      base = make(Kind::kNumber, "10");
      name = "log";
    }
    if (name == "sqrt") {
      out = make(Kind::kFunc, "sqrt", {std::move(arg)});
    } else {
      out = make(Kind::kFunc, name, {std::move(arg)});
    }
    if (have_base) {
      if (name != "log") fail("subscript on " + name);
      out = make(Kind::kDiv, "", {std::move(out), make(Kind::kFunc, "log", {std::move(base)})});
    }
    if (have_pow) {
      bool inverse = p.kind == Kind::kNeg && p.kids[0].kind == Kind::kNumber && p.kids[0].text == "1";
      static const char* kTrig[] = {"sin", "cos", "tan", "sec", "csc", "cot"};
      bool trig = false;
      for (const char* t : kTrig) trig = trig || name == t;
      if (inverse && trig && out.kind == Kind::kFunc) {
        out.text = "arc" + out.text;
      } else {
        out = make(Kind::kPow, "", {std::move(out), std::move(p)});
      }
    }
    return out;
  }

  Node matrix(const std::string& env) {
    if (env != "pmatrix" && env != "bmatrix" && env != "Bmatrix" && env != "matrix" &&
        env != "smallmatrix" && env != "array")
      fail("unsupported environment " + env);
    if (env == "array" && op("{")) {  // column spec {cc}
      while (!op("}") && cur().type != Tok::kEnd) next();
      next();
    }
    std::vector<Node> cells;
    std::vector<Node> row;
    int cols = -1;
    auto end_row = [&]() {
      if (row.empty()) return;
      if (cols < 0) cols = static_cast<int>(row.size());
      if (static_cast<int>(row.size()) != cols) fail("matrix rows of different lengths");
      for (Node& c : row) cells.push_back(std::move(c));
      row.clear();
      if (cells.size() > kMaxCollection) fail("refused: matrix larger than " + std::to_string(kMaxCollection) + " entries");
    };
    for (;;) {
      if (cur().type == Tok::kCmd && cur().text == "end:" + env) {
        next();
        end_row();
        break;
      }
      if (cur().type == Tok::kEnd) fail("unclosed \\begin{" + env + "}");
      row.push_back(expr());
      if (op("&")) {
        next();
      } else if (op("row")) {
        next();
        end_row();
      } else if (!(cur().type == Tok::kCmd && cur().text == "end:" + env)) {
        fail("unexpected '" + cur().text + "' in matrix");
      }
    }
    if (cells.empty()) fail("empty matrix");
    return make(Kind::kMatrix, "", std::move(cells), cols);
  }

  Node primary() {
    DepthGuard g(*this);
    const Token& t = cur();
    switch (t.type) {
      case Tok::kNum: {
        Node n = make(Kind::kNumber, t.text, {}, t.decimal ? 1 : 0);
        next();
        return n;
      }
      case Tok::kIdent: {
        Node n = make(Kind::kSymbol, t.text);
        next();
        return n;
      }
      case Tok::kConst: {
        Node n = make(Kind::kConstant, t.text);
        next();
        return n;
      }
      case Tok::kText: {
        Node n = make(Kind::kText, t.text);
        next();
        return n;
      }
      case Tok::kCmd: {
        if (t.text == "frac") {
          next();
          Node a = single_arg();
          Node b = single_arg();
          return make(Kind::kDiv, "", {std::move(a), std::move(b)});
        }
        if (t.text == "sqrt") {
          next();
          if (op("[")) {
            next();
            Node n = expr();
            expect("]");
            Node a = single_arg();
            return make(Kind::kPow, "", {std::move(a), make(Kind::kDiv, "", {make(Kind::kNumber, "1"), std::move(n)})});
          }
          if (op("(")) return make(Kind::kFunc, "sqrt", {bracket()});
          return make(Kind::kFunc, "sqrt", {single_arg()});
        }
        if (t.text == "binom") {
          next();
          Node a = single_arg();
          Node b = single_arg();
          return make(Kind::kFunc, "binom", {std::move(a), std::move(b)});
        }
        if (t.text.rfind("begin:", 0) == 0) {
          std::string env = t.text.substr(6);
          next();
          return matrix(env);
        }
        if (is_function_name(t.text)) return function();
        fail("unexpected \\" + t.text);
      }
      case Tok::kOp: {
        if (t.text == "(" || t.text == "[") return bracket();
        if (t.text == "{") return group();
        if (t.text == "{s") {
          next();
          std::vector<Node> in = items();
          expect("}s");
          return make(Kind::kSet, "", std::move(in));
        }
        if (t.text == "|") {
          next();
          ++abs_depth_;
          Node e = expr();
          --abs_depth_;
          expect("|");
          return make(Kind::kFunc, "abs", {std::move(e)});
        }
        fail("unexpected '" + t.text + "'");
      }
      case Tok::kEnd:
        fail("unexpected end of answer");
    }
    fail("unexpected token");
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;
  int abs_depth_ = 0;  // inside |...|, where '|' closes
  size_t nodes_ = 0;
};

// "58,500" and "1,000,000" (optionally signed, after a dollar sign, before a
// unit) are one number with thousands separators, not a list: a list of
// numbers has other shapes ("3, 5, 7").
std::string strip_plain_thousands(std::string_view s) {
  size_t i = 0;
  // An assignment prefix "x = " may come first.
  if (s.size() > 2 && std::isalpha((unsigned char)s[0])) {
    size_t j = 1;
    while (j < s.size() && s[j] == ' ') ++j;
    if (j < s.size() && s[j] == '=') {
      ++j;
      while (j < s.size() && s[j] == ' ') ++j;
      i = j;
    }
  }
  if (s.substr(i, 2) == "\\$") i += 2;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t start = i;
  while (i < s.size() && std::isdigit((unsigned char)s[i])) ++i;
  if (i - start < 1 || i - start > 3 || i >= s.size() || s[i] != ',') return std::string(s);
  int groups = 0;
  while (i < s.size() && s[i] == ',') {
    size_t j = i + 1;
    while (j < s.size() && std::isdigit((unsigned char)s[j])) ++j;
    if (j - i - 1 != 3) return std::string(s);
    i = j;
    ++groups;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit((unsigned char)s[i])) ++i;
  }
  if (groups == 0) return std::string(s);
  if (i != s.size() && s[i] != ' ' && s[i] != '\\' && s[i] != '%' && !std::isalpha((unsigned char)s[i]))
    return std::string(s);
  std::string out;
  for (size_t k = 0; k < s.size(); ++k)
    if (k < start || k >= i || s[k] != ',') out += s[k];
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (std::isspace((unsigned char)s.front()) || s.front() == '$')) s.remove_prefix(1);
  while (!s.empty() && (std::isspace((unsigned char)s.back()) || s.back() == '$' || s.back() == '.')) {
    // Keep "5." only when it is a decimal point inside a number: "5.3" never ends in '.'.
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

tl::expected<Node, std::string> parse_answer(std::string_view answer) {
  if (answer.size() > kMaxAnswerBytes)
    return tl::make_unexpected("refused: answer longer than " + std::to_string(kMaxAnswerBytes) + " bytes");
  std::string_view body = trim(answer);
  if (body.empty()) return tl::make_unexpected(std::string("empty answer"));
  std::string text = strip_plain_thousands(body);
  auto tokens = tokenize(text);
  if (!tokens) return tl::make_unexpected(tokens.error());
  try {
    return Parser(std::move(*tokens)).answer();
  } catch (const Failure& f) {
    return tl::make_unexpected(f.msg);
  }
}

}  // namespace rigor::math
