#include "reports/svg.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "reports/escape.h"

namespace rigor::svg {
namespace {

constexpr const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                                    "#e377c2", "#17becf", "#7f7f7f", "#bcbd22", "#393b79", "#637939"};
constexpr int kColours = 12;
constexpr const char* kBoxPalette[] = {"#2ca02c", "#d62728", "#1f77b4", "#ff7f0e"};

struct Scale {
  double lo = 0, hi = 1;  // in data units (log10 already applied for log axes)
  bool log = false;
  double p0 = 0, p1 = 1;  // pixels for lo and hi
  bool drawable(double v) const { return std::isfinite(v) && (!log || v > 0); }
  double map(double v) const {
    const double t = log ? std::log10(v) : v;
    return p0 + (t - lo) / (hi - lo) * (p1 - p0);
  }
};

Scale make_scale(const Axis& axis, std::vector<double> values, double p0, double p1) {
  Scale s;
  s.log = axis.log;
  s.p0 = p0;
  s.p1 = p1;
  std::vector<double> t;
  for (double v : values) {
    if (s.drawable(v)) t.push_back(axis.log ? std::log10(v) : v);
  }
  double lo = t.empty() ? 0 : *std::min_element(t.begin(), t.end());
  double hi = t.empty() ? 1 : *std::max_element(t.begin(), t.end());
  if (hi - lo < 1e-12) {
    const double pad = axis.log ? 0.5 : std::max(std::abs(lo) * 0.1, 0.5);
    lo -= pad;
    hi += pad;
  } else if (!axis.log) {
    const double pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
  } else {
    lo -= 0.15;
    hi += 0.15;
  }
  // Padding never takes a non-negative quantity (a rate, a cost) below zero.
  if (!axis.log && !t.empty() && *std::min_element(t.begin(), t.end()) >= 0 && lo < 0) lo = 0;
  if (axis.min && s.drawable(*axis.min)) lo = axis.log ? std::log10(*axis.min) : *axis.min;
  if (axis.max && s.drawable(*axis.max)) hi = axis.log ? std::log10(*axis.max) : *axis.max;
  if (hi <= lo) hi = lo + 1;
  s.lo = lo;
  s.hi = hi;
  return s;
}

std::vector<double> ticks(const Scale& s, const Axis& axis) {
  std::vector<double> out;
  if (s.log) {
    const int d0 = static_cast<int>(std::floor(s.lo)), d1 = static_cast<int>(std::ceil(s.hi));
    const bool fine = d1 - d0 <= 2;
    for (int d = d0; d <= d1; ++d) {
      for (double m : fine ? std::vector<double>{1, 2, 5} : std::vector<double>{1}) {
        const double v = m * std::pow(10.0, d);
        const double t = std::log10(v);
        if (t >= s.lo - 1e-9 && t <= s.hi + 1e-9) out.push_back(v);
      }
    }
    return out;
  }
  const double raw = (s.hi - s.lo) / 5;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  if (axis.integer) step = std::max(1.0, std::round(step));
  for (double v = std::ceil(s.lo / step - 1e-9) * step; v <= s.hi + 1e-9 * step; v += step) {
    out.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
  }
  return out;
}

std::string tick_label(double v, const Axis& axis) {
  // {:g} of the rounded value: 1.2% on a narrow axis, never four ticks all "1%".
  if (axis.percent) return fmt::format("{:g}%", std::round(100 * v * 1e6) / 1e6);
  if (axis.integer) return fmt::format("{:.0f}", v);
  return fmt::format("{:g}", v);
}

std::string marker(int style, double x, double y, double r, const std::string& fill) {
  switch ((style / kColours) % 4) {
    case 0: return fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:.1f}\" fill=\"{}\"/>", x, y, r, fill);
    case 1:
      return fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>", x - r, y - r,
                         2 * r, 2 * r, fill);
    case 2:
      return fmt::format("<polygon points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\" fill=\"{}\"/>", x, y - r * 1.2,
                         x - r * 1.1, y + r * 0.8, x + r * 1.1, y + r * 0.8, fill);
    default:
      return fmt::format("<polygon points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\" fill=\"{}\"/>", x,
                         y - r * 1.3, x + r * 1.1, y, x, y + r * 1.3, x - r * 1.1, y, fill);
  }
}

std::string swatch(int style, bool dashed, bool line) {
  std::string out = "<svg class=\"swatch\" width=\"22\" height=\"12\" aria-hidden=\"true\">";
  if (dashed) {
    out += "<line x1=\"1\" y1=\"6\" x2=\"21\" y2=\"6\" stroke=\"#555\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/>";
  } else {
    if (line) out += fmt::format("<line x1=\"1\" y1=\"6\" x2=\"21\" y2=\"6\" stroke=\"{}\" stroke-width=\"2\"/>", colour(style));
    out += marker(style, 11, 6, 4, colour(style));
  }
  return out + "</svg>";
}

std::string figure_open(const std::string& id, const std::string& kind, const std::string& title) {
  return fmt::format("<figure class=\"chart\" id=\"{}\" data-chart=\"{}\">\n<figcaption>{}</figcaption>\n",
                     escape_html(id), escape_html(kind), escape_html(title));
}

std::string x_axis(const Scale& sx, const Axis& ax, double y_base, double top, double x_mid) {
  std::string out;
  for (double v : ticks(sx, ax)) {
    const double px = sx.map(v);
    out += fmt::format("<line class=\"grid\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>", px, top, y_base);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>", px, y_base + 16,
                       escape_html(tick_label(v, ax)));
  }
  out += fmt::format("<text class=\"axis-label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}{}</text>", x_mid,
                     y_base + 34, escape_html(ax.label), ax.log ? " (log scale)" : "");
  return out;
}

}  // namespace

std::string colour(int i) { return kPalette[((i % kColours) + kColours) % kColours]; }

std::string render_chart(const Chart& c) {
  const double left = 64, right = 16, top = 12, bottom = 48;
  const double pw = c.width - left - right, ph = c.height - top - bottom;
  std::vector<double> xs, ys;
  for (const Series& s : c.series) {
    for (const Point& p : s.points) {
      xs.push_back(p.x);
      ys.push_back(p.y);
      if (std::isfinite(p.y_lo) && std::isfinite(p.y_hi)) {
        ys.push_back(p.y_lo);
        ys.push_back(p.y_hi);
      }
    }
  }
  const Scale sx = make_scale(c.x, xs, left, left + pw);
  const Scale sy = make_scale(c.y, ys, top + ph, top);
  std::string out = figure_open(c.id, c.kind, c.title);
  out += fmt::format("<svg class=\"plot\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" role=\"img\" "
                     "xmlns=\"http://www.w3.org/2000/svg\"><title>{2}</title>\n",
                     c.width, c.height, escape_html(c.title));
  out += fmt::format("<rect class=\"frame\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/>", left, top, pw, ph);
  out += x_axis(sx, c.x, top + ph, top, left + pw / 2);
  for (double v : ticks(sy, c.y)) {
    const double py = sy.map(v);
    out += fmt::format("<line class=\"grid\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\"/>", left, py, left + pw);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", left - 6, py + 4,
                       escape_html(tick_label(v, c.y)));
  }
  out += fmt::format("<text class=\"axis-label\" transform=\"translate(14 {:.1f}) rotate(-90)\" text-anchor=\"middle\">{}{}</text>\n",
                     top + ph / 2, escape_html(c.y.label), c.y.log ? " (log scale)" : "");
  const bool label_points = c.series.size() <= 6;
  std::string legend = "<ul class=\"legend\">";
  for (size_t i = 0; i < c.series.size(); ++i) {
    const Series& s = c.series[i];
    const int style = s.style >= 0 ? s.style : static_cast<int>(i);
    const std::string col = s.dashed ? "#555" : colour(style);
    int drawn = 0;
    std::string path;
    std::string marks;
    for (const Point& p : s.points) {
      if (!sx.drawable(p.x) || !sy.drawable(p.y)) continue;
      const double px = sx.map(p.x), py = sy.map(p.y);
      path += fmt::format("{}{:.1f},{:.1f}", drawn == 0 ? "M" : " L", px, py);
      ++drawn;
      if (std::isfinite(p.y_lo) && std::isfinite(p.y_hi) && sy.drawable(p.y_lo) && sy.drawable(p.y_hi)) {
        marks += fmt::format("<line class=\"errbar\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"{3}\"/>",
                             px, sy.map(p.y_lo), sy.map(p.y_hi), col);
      }
      if (s.markers) {
        marks += "<g class=\"pt\">" + marker(style, px, py, s.dashed ? 2.5 : 4.5, col);
        if (!p.tooltip.empty()) marks += "<title>" + escape_html(p.tooltip) + "</title>";
        marks += "</g>";
      }
      if (label_points && s.points.size() == 1 && !s.dashed) {
        // Right of the point, or left of it near the right edge so it is not clipped.
        const bool flip = px > left + pw * 0.7;
        marks += fmt::format("<text class=\"pt-label\" x=\"{:.1f}\" y=\"{:.1f}\"{}>{}</text>", flip ? px - 7 : px + 7,
                             py - 6, flip ? " text-anchor=\"end\"" : "", escape_html(s.name));
      }
    }
    out += fmt::format("<g class=\"series\" data-series=\"{}\">", escape_html(s.name));
    if ((s.line || s.dashed) && drawn > 1) {
      out += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{}/>", path, col,
                         s.dashed ? 1.5 : 2, s.dashed ? " stroke-dasharray=\"5 4\"" : "");
    }
    out += marks + "</g>\n";
    legend += "<li>" + swatch(style, s.dashed, s.line) + escape_html(s.name) + (drawn == 0 ? " (no data)" : "") + "</li>";
  }
  out += "</svg>\n" + legend + "</ul>\n";
  if (!c.note.empty()) out += "<p class=\"note\">" + escape_html(c.note) + "</p>\n";
  return out + "</figure>\n";
}

std::string render_box_chart(const BoxChart& c) {
  const double label_w = 190, note_w = 150, top = 8, bottom = 44;
  const size_t per_row = std::max<size_t>(1, c.box_names.size());
  const double box_h = 9, row_h = per_row * (box_h + 3) + 10;
  const double ph = std::max<double>(row_h, row_h * c.rows.size());
  const double height = top + ph + bottom;
  const double pw = c.width - label_w - note_w;
  std::vector<double> xs;
  for (const auto& r : c.rows) {
    for (const Box& b : r.boxes) {
      if (b.count > 0) {
        xs.push_back(b.p10);
        xs.push_back(b.p90);
      }
    }
  }
  const Scale sx = make_scale(c.x, xs, label_w, label_w + pw);
  std::string out = figure_open(c.id, c.kind, c.title);
  out += fmt::format("<svg class=\"plot\" viewBox=\"0 0 {0} {1:.0f}\" width=\"{0}\" height=\"{1:.0f}\" role=\"img\" "
                     "xmlns=\"http://www.w3.org/2000/svg\"><title>{2}</title>\n",
                     c.width, height, escape_html(c.title));
  out += x_axis(sx, c.x, top + ph, top, label_w + pw / 2);
  for (size_t r = 0; r < c.rows.size(); ++r) {
    const BoxRow& row = c.rows[r];
    const double y0 = top + r * row_h;
    std::string label = row.label;
    if (label.size() > 30) label = label.substr(0, 29) + "…";
    out += fmt::format("<g class=\"box-row\"><text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}<title>{}</title></text>",
                       label_w - 8, y0 + row_h / 2 + 4, escape_html(label), escape_html(row.label));
    for (size_t b = 0; b < row.boxes.size(); ++b) {
      const Box& box = row.boxes[b];
      if (box.count == 0 || !sx.drawable(box.p10) || !sx.drawable(box.p90)) continue;
      const double yb = y0 + 5 + b * (box_h + 3), ym = yb + box_h / 2;
      const std::string col = kBoxPalette[b % 4];
      out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"/>", sx.map(box.p10), ym,
                         sx.map(box.p90), ym, col);
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" fill-opacity=\"0.35\" "
                         "stroke=\"{}\"><title>{}</title></rect>",
                         sx.map(box.p25), yb, std::max(1.0, sx.map(box.p75) - sx.map(box.p25)), box_h, col, col,
                         escape_html(fmt::format("{} {}: n={}, p10 {:g}, p25 {:g}, median {:g}, p75 {:g}, p90 {:g}",
                                                 row.label, b < c.box_names.size() ? c.box_names[b] : "", box.count,
                                                 box.p10, box.p25, box.p50, box.p75, box.p90)));
      out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"{3}\" stroke-width=\"2\"/>",
                         sx.map(box.p50), yb, yb + box_h, col);
    }
    out += fmt::format("<text class=\"box-note\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text></g>\n", label_w + pw + 8,
                       y0 + row_h / 2 + 4, escape_html(row.note));
  }
  out += "</svg>\n<ul class=\"legend\">";
  for (size_t b = 0; b < c.box_names.size(); ++b) {
    out += fmt::format("<li><svg class=\"swatch\" width=\"22\" height=\"12\" aria-hidden=\"true\"><rect x=\"2\" y=\"2\" "
                       "width=\"18\" height=\"8\" fill=\"{0}\" fill-opacity=\"0.35\" stroke=\"{0}\"/></svg>{1}</li>",
                       kBoxPalette[b % 4], escape_html(c.box_names[b]));
  }
  out += "</ul>\n";
  if (!c.note.empty()) out += "<p class=\"note\">" + escape_html(c.note) + "</p>\n";
  return out + "</figure>\n";
}

}  // namespace rigor::svg
