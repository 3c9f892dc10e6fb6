#include "scorers/math/math_lexer.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "scorers/math/math_limits.h"

namespace rigor::math {
namespace {

constexpr std::array<std::string_view, 22> kFunctions = {
    "sin",  "cos",  "tan",  "sec",  "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh",
    "tanh", "log",  "ln",   "exp",  "lg",  "sqrt", "arccot", "arcsec", "arccsc", "cosec", "cotan"};

constexpr std::array<std::string_view, 34> kGreek = {
    "alpha", "beta",   "gamma",   "delta", "epsilon", "varepsilon", "zeta",  "eta",   "theta",
    "vartheta", "iota", "kappa",  "lambda", "mu",     "nu",         "xi",    "rho",   "sigma",
    "tau",   "upsilon", "phi",    "varphi", "chi",    "psi",        "omega", "Gamma", "Delta",
    "Theta", "Lambda", "Sigma",   "Phi",   "Omega"};

// Layout and emphasis commands that carry no mathematical meaning.
constexpr std::array<std::string_view, 26> kSkip = {
    "left",  "right", "big",  "Big",   "bigg",  "Bigg",  "bigl",   "bigr",      "Bigl",
    "Bigr",  "biggl", "biggr", "Biggl", "Biggr", "displaystyle", "textstyle", "quad",
    "qquad", "limits", "nolimits", "boxed", "fbox", "mathstrut", "strut", "scriptstyle", "middle"};

constexpr std::array<std::string_view, 12> kTextCmds = {
    "text", "textbf", "textit", "textrm", "texttt", "textsf", "mbox", "hbox", "textup", "textnormal",
    "emph", "textmd"};
constexpr std::array<std::string_view, 6> kRomanCmds = {"mathrm", "mathbf",  "mathit",
                                                        "mathsf", "operatorname", "mathbb"};

// Two-letter unit words that would otherwise read as products of variables.
constexpr std::array<std::string_view, 6> kShortUnits = {"cm", "mm", "km", "ft", "kg", "hr"};

template <size_t N>
bool in(const std::array<std::string_view, N>& table, std::string_view s) {
  return std::find(table.begin(), table.end(), s) != table.end();
}

struct Alias { std::string_view from; Tok tok; std::string_view to; };
constexpr Alias kAliases[] = {
    {"cdot", Tok::kOp, "*"},   {"times", Tok::kOp, "*"},  {"ast", Tok::kOp, "*"},
    {"div", Tok::kOp, "/"},    {"le", Tok::kOp, "<="},    {"leq", Tok::kOp, "<="},
    {"leqslant", Tok::kOp, "<="}, {"ge", Tok::kOp, ">="}, {"geq", Tok::kOp, ">="},
    {"geqslant", Tok::kOp, ">="}, {"ne", Tok::kOp, "!="}, {"neq", Tok::kOp, "!="},
    {"lt", Tok::kOp, "<"},     {"gt", Tok::kOp, ">"},     {"pm", Tok::kOp, "+-"},
    {"mp", Tok::kOp, "-+"},    {"cup", Tok::kOp, "cup"},  {"in", Tok::kOp, "in"},
    {"circ", Tok::kOp, "circ"}, {"degree", Tok::kOp, "circ"}, {"lbrace", Tok::kOp, "{s"},
    {"rbrace", Tok::kOp, "}s"}, {"langle", Tok::kOp, "("}, {"rangle", Tok::kOp, ")"},
    {"vert", Tok::kOp, "|"},   {"lvert", Tok::kOp, "|"},  {"rvert", Tok::kOp, "|"},
    {"infty", Tok::kConst, "inf"}, {"pi", Tok::kConst, "pi"},
    {"colon", Tok::kOp, ":"},   {"approx", Tok::kOp, "~="},
};

// Whether `name` is a command this lexer reads (as opposed to one it refuses).
bool known_command(std::string_view name) {
  static constexpr std::string_view kOthers[] = {"frac", "dfrac", "tfrac", "cfrac", "sqrt", "binom", "dbinom",
                                                 "tbinom", "begin", "end", "emptyset", "varnothing", "hspace",
                                                 "vspace", "phantom"};
  for (const Alias& a : kAliases)
    if (a.from == name) return true;
  for (std::string_view o : kOthers)
    if (o == name) return true;
  return in(kSkip, name) || in(kTextCmds, name) || in(kRomanCmds, name) || in(kFunctions, name) || in(kGreek, name);
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  tl::expected<std::vector<Token>, std::string> run() {
    while (i_ < s_.size()) {
      if (!step()) return tl::make_unexpected(err_);
    }
    out_.push_back({Tok::kEnd, "", false, s_.size()});
    return std::move(out_);
  }

 private:
  bool fail(std::string msg) {
    err_ = std::move(msg) + " at byte " + std::to_string(i_);
    return false;
  }
  void emit(Tok t, std::string text, size_t pos, bool decimal = false) {
    out_.push_back({t, std::move(text), decimal, pos});
  }
  bool starts(std::string_view p) const { return s_.substr(i_, p.size()) == p; }

  bool step() {
    unsigned char c = static_cast<unsigned char>(s_[i_]);
    size_t pos = i_;
    if (std::isspace(c) || c == '$' || c == '~') {
      ++i_;
      return true;
    }
    if (std::isdigit(c) || (c == '.' && i_ + 1 < s_.size() && std::isdigit((unsigned char)s_[i_ + 1])))
      return number();
    if (std::isalpha(c)) return letters();
    if (c == '\\') return command();
    if (c >= 0x80) return unicode();
    // Two-character ASCII relations.
    if (starts("<=")) { i_ += 2; emit(Tok::kOp, "<=", pos); return true; }
    if (starts(">=")) { i_ += 2; emit(Tok::kOp, ">=", pos); return true; }
    if (starts("!=")) { i_ += 2; emit(Tok::kOp, "!=", pos); return true; }
    if (starts("+-")) { i_ += 2; emit(Tok::kOp, "+-", pos); return true; }
    if (starts("{,}")) { i_ += 3; emit(Tok::kOp, ",", pos); return true; }
    static constexpr std::string_view kOps = "+-*/^_()[]{},;=<>!%|&:";
    if (kOps.find(static_cast<char>(c)) != std::string_view::npos) {
      ++i_;
      emit(Tok::kOp, std::string(1, static_cast<char>(c)), pos);
      return true;
    }
    return fail(std::string("unexpected character '") + static_cast<char>(c) + "'");
  }

  // A thousands group continues the number: ",\!ddd", "{,}ddd" or "{, }ddd"
  // (LaTeX's own grouping markers; a bare comma is a list separator, see the
  // parser), or, after a first group of one to three digits, a space, "\,"
  // or "\ " before exactly three digits ("1 000", "1\,000").
  bool thousands_group(size_t group_digits) {
    size_t j = i_;
    bool spaced = false;
    size_t brace = s_.find_first_not_of(' ', j);  // "14 {, }916"
    if (brace != std::string_view::npos && s_.substr(brace, 3) == "{,}") {
      j = brace + 3;
    } else if (brace != std::string_view::npos && s_.substr(brace, 4) == "{, }") {
      j = brace + 4;
    } else if (j < s_.size() && s_[j] == ',') {
      ++j;
      while (j < s_.size() && s_[j] == ' ') ++j;
      if (s_.substr(j, 2) != "\\!") return false;
      j += 2;
    } else if (j < s_.size() && s_[j] == ' ') {
      j += 1;
      spaced = true;
    } else if (s_.substr(j, 2) == "\\," || s_.substr(j, 2) == "\\ ") {
      j += 2;
      spaced = true;
    } else {
      return false;
    }
    if (spaced && (group_digits < 1 || group_digits > 3)) return false;
    if (!spaced)
      while (j < s_.size() && s_[j] == ' ') ++j;
    size_t k = j;
    while (k < s_.size() && std::isdigit((unsigned char)s_[k])) ++k;
    if (k - j != 3) return false;
    i_ = j;
    return true;
  }

  bool number() {
    size_t pos = i_;
    std::string int_part, frac_part;
    bool decimal = false;
    for (bool first = true;; first = false) {
      size_t before = int_part.size();
      while (i_ < s_.size() && std::isdigit((unsigned char)s_[i_])) int_part += s_[i_++];
      // Only the first group may be shorter than three digits.
      if (!thousands_group(first ? int_part.size() - before : 3)) break;
    }
    if (i_ < s_.size() && s_[i_] == '.' && i_ + 1 < s_.size() &&
        std::isdigit((unsigned char)s_[i_ + 1])) {
      ++i_;
      decimal = true;
      while (i_ < s_.size() && std::isdigit((unsigned char)s_[i_])) frac_part += s_[i_++];
    }
    // Scientific notation: 1.5e3, 2E-4 (a bare "2e" stays 2 times e).
    if (i_ + 1 < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      size_t j = i_ + 1;
      bool neg = false;
      if (j < s_.size() && (s_[j] == '+' || s_[j] == '-')) neg = s_[j++] == '-';
      if (j < s_.size() && std::isdigit((unsigned char)s_[j])) {
        long exp = 0;
        while (j < s_.size() && std::isdigit((unsigned char)s_[j])) {
          exp = exp * 10 + (s_[j++] - '0');
          if (exp > 400) return fail("exponent too large in number");
        }
        i_ = j;
        decimal = true;
        std::string digits = int_part + frac_part;
        long point = static_cast<long>(int_part.size()) + (neg ? -exp : exp);
        if (point < 0) {
          digits.insert(0, static_cast<size_t>(-point), '0');
          point = 0;
        }
        if (point > static_cast<long>(digits.size())) digits.append(point - digits.size(), '0');
        int_part = digits.substr(0, point);
        frac_part = digits.substr(point);
      }
    }
    if (int_part.size() + frac_part.size() > kMaxNumberDigits)
      return fail("number literal too long");
    size_t nz = int_part.find_first_not_of('0');
    int_part = nz == std::string::npos ? "0" : int_part.substr(nz);
    while (!frac_part.empty() && frac_part.back() == '0') frac_part.pop_back();
    std::string text = frac_part.empty() ? int_part : int_part + "." + frac_part;
    emit(Tok::kNum, std::move(text), pos, decimal);
    return true;
  }

  void emit_word(std::string_view w, size_t pos) {
    std::string lower(w);
    for (char& ch : lower) ch = static_cast<char>(std::tolower((unsigned char)ch));
    if (lower == "and" || lower == "or") return emit(Tok::kOp, ",", pos);
    if (lower == "pi") return emit(Tok::kConst, "pi", pos);
    if (lower == "inf" || lower == "infty" || lower == "infinity") return emit(Tok::kConst, "inf", pos);
    if (in(kFunctions, lower)) return emit(Tok::kCmd, lower, pos);
    if (in(kShortUnits, lower) || w.size() >= 3) return emit(Tok::kText, lower, pos);
    for (size_t k = 0; k < w.size(); ++k) emit_letter(w[k], pos + k);
  }

  void emit_letter(char ch, size_t pos) {
    if (ch == 'e') return emit(Tok::kConst, "e", pos);
    if (ch == 'i') return emit(Tok::kConst, "i", pos);
    emit(Tok::kIdent, std::string(1, ch), pos);
  }

  bool letters() {
    size_t pos = i_;
    while (i_ < s_.size() && std::isalpha((unsigned char)s_[i_])) ++i_;
    std::string_view w = s_.substr(pos, i_ - pos);
    // "sinx", "sqrt2x": a known function name glued to a short operand.
    if (w.size() >= 3 && !in(kFunctions, w)) {
      for (std::string_view f : kFunctions) {
        if (w.size() > f.size() && w.substr(0, f.size()) == f && w.size() - f.size() <= 2) {
          emit(Tok::kCmd, std::string(f), pos);
          for (size_t k = f.size(); k < w.size(); ++k) emit_letter(w[k], pos + k);
          return true;
        }
      }
    }
    emit_word(w, pos);
    return true;
  }

  // Reads "{...}" with nested braces; returns false if unbalanced.
  bool braced(std::string& content) {
    while (i_ < s_.size() && s_[i_] == ' ') ++i_;
    if (i_ >= s_.size() || s_[i_] != '{') return false;
    int depth = 0;
    size_t start = i_ + 1;
    for (; i_ < s_.size(); ++i_) {
      if (s_[i_] == '\\') { ++i_; continue; }
      if (s_[i_] == '{') ++depth;
      if (s_[i_] == '}' && --depth == 0) {
        content.assign(s_.substr(start, i_ - start));
        ++i_;
        return true;
      }
    }
    return false;
  }

  bool text_command(bool roman) {
    size_t pos = i_;
    std::string content;
    if (!braced(content)) return fail("\\text without a braced argument");
    std::string trimmed;
    for (char ch : content) {
      if (ch == ' ' && (trimmed.empty() || trimmed.back() == ' ')) continue;
      trimmed += ch;
    }
    while (!trimmed.empty() && trimmed.back() == ' ') trimmed.pop_back();
    if (trimmed.empty()) return true;
    bool any_alpha = std::any_of(trimmed.begin(), trimmed.end(),
                                 [](char ch) { return std::isalpha((unsigned char)ch); });
    bool all_alpha = std::all_of(trimmed.begin(), trimmed.end(),
                                 [](char ch) { return std::isalpha((unsigned char)ch); });
    // Math set in roman type (\mathrm{e}, \operatorname{lcm}) or text holding
    // no words (\text{5}) is lexed as math.
    if (!any_alpha || (roman && all_alpha && (trimmed.size() <= 2 || in(kFunctions, trimmed)))) {
      auto inner = Lexer(trimmed).run();
      if (!inner) return fail("in \\text: " + inner.error());
      inner->pop_back();
      for (Token& t : *inner) {
        t.pos += pos;
        out_.push_back(std::move(t));
      }
      return true;
    }
    std::string lower;
    for (char ch : trimmed) lower += static_cast<char>(std::tolower((unsigned char)ch));
    if (lower == "and" || lower == "or" || lower == ",") {
      emit(Tok::kOp, ",", pos);
      return true;
    }
    emit(Tok::kText, lower, pos);
    return true;
  }

  bool command() {
    size_t pos = i_;
    ++i_;
    if (i_ >= s_.size()) return fail("lone backslash");
    char c = s_[i_];
    // "\\frac": a doubled backslash before a command name, as LaTeX written
    // inside a quoted string comes out, is that command ("\\" followed by
    // anything else is a row break).
    if (c == '\\') {
      size_t j = i_ + 1;
      while (j < s_.size() && std::isalpha((unsigned char)s_[j])) ++j;
      if (j - i_ - 1 >= 2 && known_command(s_.substr(i_ + 1, j - i_ - 1))) c = s_[++i_];
    }
    if (!std::isalpha((unsigned char)c)) {
      ++i_;
      switch (c) {
        case '!': case ',': case ';': case ':': case ' ': case '$': case '>': return true;
        case '\t': case '\n': case '\r': case '\f': case '\v': return true;  // a control space, as "\ "
        case '%': emit(Tok::kOp, "%", pos); return true;
        case '{': emit(Tok::kOp, "{s", pos); return true;
        case '}': emit(Tok::kOp, "}s", pos); return true;
        case '\\': emit(Tok::kOp, "row", pos); return true;
        case '|': emit(Tok::kOp, "|", pos); return true;
        default: return fail(std::string("unsupported command \\") + c);
      }
    }
    size_t start = i_;
    while (i_ < s_.size() && std::isalpha((unsigned char)s_[i_])) ++i_;
    std::string_view name = s_.substr(start, i_ - start);
    // "\quadx_2": spacing run into the next letters (as some datasets' golds
    // are written) is the spacing, then those letters.
    for (std::string_view sp : {"qquad", "quad"}) {
      if (name.size() > sp.size() && name.substr(0, sp.size()) == sp && !known_command(name)) {
        i_ = start + sp.size();
        return true;
      }
    }
    if (in(kSkip, name)) return true;
    if (name == "hspace" || name == "vspace" || name == "phantom") {
      std::string ignored;
      return braced(ignored) || fail("\\" + std::string(name) + " without argument");
    }
    if (in(kTextCmds, name)) return text_command(false);
    if (in(kRomanCmds, name)) return text_command(true);
    if (name == "frac" || name == "dfrac" || name == "tfrac" || name == "cfrac") {
      emit(Tok::kCmd, "frac", pos);
      return true;
    }
    if (name == "sqrt") { emit(Tok::kCmd, "sqrt", pos); return true; }
    if (name == "binom" || name == "dbinom" || name == "tbinom") { emit(Tok::kCmd, "binom", pos); return true; }
    if (name == "begin" || name == "end") {
      std::string env;
      if (!braced(env)) return fail("\\" + std::string(name) + " without environment name");
      emit(Tok::kCmd, std::string(name) + ":" + env, pos);
      return true;
    }
    for (const Alias& a : kAliases) {
      if (a.from == name) {
        emit(a.tok, std::string(a.to), pos);
        return true;
      }
    }
    if (name == "emptyset" || name == "varnothing") {
      emit(Tok::kOp, "{s", pos);
      emit(Tok::kOp, "}s", pos);
      return true;
    }
    if (in(kFunctions, name)) { emit(Tok::kCmd, std::string(name), pos); return true; }
    if (in(kGreek, name)) { emit(Tok::kIdent, std::string(name), pos); return true; }
    i_ = pos;
    return fail("unsupported command \\" + std::string(name));
  }

  bool unicode() {
    struct U { std::string_view bytes; Tok tok; std::string_view text; };
    static constexpr U kUnicode[] = {
        {"\u03c0", Tok::kConst, "pi"}, {"\u221e", Tok::kConst, "inf"}, {"\u221a", Tok::kCmd, "sqrt"},
        {"\u2212", Tok::kOp, "-"},     {"\u00d7", Tok::kOp, "*"},      {"\u00b7", Tok::kOp, "*"},
        {"\u22c5", Tok::kOp, "*"},     {"\u2264", Tok::kOp, "<="},     {"\u2265", Tok::kOp, ">="},
        {"\u2260", Tok::kOp, "!="},    {"\u00b1", Tok::kOp, "+-"},     {"\u2213", Tok::kOp, "-+"},
        {"\u222a", Tok::kOp, "cup"},   {"\u2208", Tok::kOp, "in"},     {"\u00f7", Tok::kOp, "/"},
        {"\u2013", Tok::kOp, "-"},     {"\u00a0", Tok::kOp, ""},      {"\u2248", Tok::kOp, "~="},
    };
    size_t pos = i_;
    if (starts("\u00b0")) {  // degree sign: same as ^\circ
      i_ += 2;
      emit(Tok::kOp, "^", pos);
      emit(Tok::kOp, "circ", pos);
      return true;
    }
    for (const U& u : kUnicode) {
      if (starts(u.bytes)) {
        i_ += u.bytes.size();
        if (!u.text.empty()) emit(u.tok, std::string(u.text), pos);
        return true;
      }
    }
    return fail("unsupported non-ASCII character");
  }

  std::string_view s_;
  size_t i_ = 0;
  std::vector<Token> out_;
  std::string err_;
};

}  // namespace

bool is_function_name(std::string_view name) { return in(kFunctions, name); }

tl::expected<std::vector<Token>, std::string> tokenize(std::string_view input) {
  return Lexer(input).run();
}

}  // namespace rigor::math
