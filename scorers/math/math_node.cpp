#include "scorers/math/math_node.h"

#include <algorithm>

namespace rigor::math {
namespace {

const char* kind_tag(Kind k) {
  switch (k) {
    case Kind::kNumber: return "N";
    case Kind::kSymbol: return "S";
    case Kind::kConstant: return "C";
    case Kind::kAdd: return "+";
    case Kind::kMul: return "*";
    case Kind::kDiv: return "/";
    case Kind::kPow: return "^";
    case Kind::kNeg: return "neg";
    case Kind::kFunc: return "F";
    case Kind::kPlusMinus: return "pm";
    case Kind::kPercent: return "%";
    case Kind::kBased: return "B";
    case Kind::kText: return "T";
    case Kind::kTuple: return "tup";
    case Kind::kList: return "list";
    case Kind::kSet: return "set";
    case Kind::kInterval: return "int";
    case Kind::kUnion: return "cup";
    case Kind::kMatrix: return "mat";
    case Kind::kRelation: return "rel";
  }
  return "?";
}

bool order_free(Kind k) {
  // Sums, products, sets and unions do not depend on the order written.
  return k == Kind::kAdd || k == Kind::kMul || k == Kind::kSet || k == Kind::kUnion;
}

}  // namespace

std::string canonical_key(const Node& n) {
  std::string out = kind_tag(n.kind);
  if (!n.text.empty()) out += ":" + n.text;
  if (n.aux != 0) out += "#" + std::to_string(n.aux);
  if (n.kids.empty()) return out;
  std::vector<std::string> keys;
  keys.reserve(n.kids.size());
  for (const Node& k : n.kids) keys.push_back(canonical_key(k));
  if (order_free(n.kind)) {
    std::sort(keys.begin(), keys.end());
    if (n.kind == Kind::kSet) keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  }
  out += "(";
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i) out += ",";
    out += keys[i];
  }
  out += ")";
  return out;
}

namespace {

std::string join(const std::vector<Node>& kids, const char* sep) {
  std::string out;
  for (size_t i = 0; i < kids.size(); ++i) {
    if (i) out += sep;
    out += to_display(kids[i]);
  }
  return out;
}

std::string wrap(const Node& n) {
  bool atom = n.kind == Kind::kNumber || n.kind == Kind::kSymbol || n.kind == Kind::kConstant ||
              n.kind == Kind::kFunc || n.kind == Kind::kTuple;
  return atom ? to_display(n) : "(" + to_display(n) + ")";
}

}  // namespace

std::string to_display(const Node& n) {
  switch (n.kind) {
    case Kind::kNumber:
    case Kind::kSymbol:
      return n.text;
    case Kind::kConstant:
      return n.text == "inf" ? "oo" : n.text;
    case Kind::kAdd: {
      std::string out;
      for (size_t i = 0; i < n.kids.size(); ++i) {
        const Node& k = n.kids[i];
        if (i == 0) {
          out += to_display(k);
        } else if (k.kind == Kind::kNeg) {
          out += " - " + wrap(k.kids[0]);
        } else {
          out += " + " + to_display(k);
        }
      }
      return out;
    }
    case Kind::kMul: {
      std::string out;
      for (size_t i = 0; i < n.kids.size(); ++i) out += (i ? "*" : "") + wrap(n.kids[i]);
      return out;
    }
    case Kind::kDiv: return wrap(n.kids[0]) + "/" + wrap(n.kids[1]);
    case Kind::kPow: return wrap(n.kids[0]) + "^" + wrap(n.kids[1]);
    case Kind::kNeg: return "-" + wrap(n.kids[0]);
    case Kind::kFunc: return n.text + "(" + join(n.kids, ", ") + ")";
    case Kind::kPlusMinus: {
      const char* op = n.text == "+-" ? "±" : "∓";
      if (n.kids.size() == 1) return op + wrap(n.kids[0]);
      return to_display(n.kids[0]) + " " + op + " " + wrap(n.kids[1]);
    }
    case Kind::kPercent: return wrap(n.kids[0]) + "%";
    case Kind::kBased: return n.text + "_" + std::to_string(n.aux);
    case Kind::kText: return n.text;
    case Kind::kTuple: return "(" + join(n.kids, ", ") + ")";
    case Kind::kList: return join(n.kids, ", ");
    case Kind::kSet: return "{" + join(n.kids, ", ") + "}";
    case Kind::kInterval:
      return std::string((n.aux & 1) ? "[" : "(") + to_display(n.kids[0]) + ", " +
             to_display(n.kids[1]) + ((n.aux & 2) ? "]" : ")");
    case Kind::kUnion: return join(n.kids, " U ");
    case Kind::kMatrix: {
      std::string out = "[";
      int cols = n.aux > 0 ? n.aux : 1;
      for (size_t i = 0; i < n.kids.size(); ++i) {
        if (i % cols == 0) out += (i ? "; " : "");
        else out += ", ";
        out += to_display(n.kids[i]);
      }
      return out + "]";
    }
    case Kind::kRelation: {
      std::string out = to_display(n.kids[0]);
      for (size_t i = 0; i < n.text.size() && i + 1 < n.kids.size(); ++i) {
        switch (n.text[i]) {
          case 'l': out += " <= "; break;
          case 'g': out += " >= "; break;
          case 'n': out += " != "; break;
          case 'a': out += " ~= "; break;
          default: out += std::string(" ") + n.text[i] + " ";
        }
        out += to_display(n.kids[i + 1]);
      }
      return out;
    }
  }
  return "?";
}

bool is_constant(const Node& n) {
  if (n.kind == Kind::kSymbol || n.kind == Kind::kText) return false;
  for (const Node& k : n.kids)
    if (!is_constant(k)) return false;
  return true;
}

bool has_decimal(const Node& n) {
  if (n.kind == Kind::kNumber) return n.aux == 1;
  for (const Node& k : n.kids)
    if (has_decimal(k)) return true;
  return false;
}

bool has_infinity(const Node& n) {
  if (n.kind == Kind::kConstant) return n.text == "inf";
  for (const Node& k : n.kids)
    if (has_infinity(k)) return true;
  return false;
}

void collect_symbols(const Node& n, std::vector<std::string>& out) {
  if (n.kind == Kind::kSymbol) {
    if (std::find(out.begin(), out.end(), n.text) == out.end()) out.push_back(n.text);
    return;
  }
  for (const Node& k : n.kids) collect_symbols(k, out);
}

}  // namespace rigor::math
