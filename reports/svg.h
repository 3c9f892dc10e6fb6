// Small SVG charts for the HTML report, written by rigor itself: scatter and
// line charts (linear or log axes, error bars, dashed overlays such as a
// Pareto frontier) and rows of box plots. Output is a <figure> holding an
// inline <svg> and an HTML legend, so a chart needs no script, font or
// network and prints as it shows.
//
// Every text (titles, labels, series names, tooltips) is escaped here;
// callers pass raw text. Legible with many series: 12 colours x 4 marker
// shapes give 48 distinct styles, the legend is an HTML list that wraps, and
// point labels are drawn only when there are few series.
// Pure functions; thread-safe.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace rigor::svg {

struct Point {
  double x = 0;
  double y = 0;
  double y_lo = NAN;     // error bar, drawn when both are finite
  double y_hi = NAN;
  std::string tooltip{}; // shown on hover (<title>)
};

struct Series {
  std::string name{};
  std::vector<Point> points{};
  int style = -1;        // colour/marker index; -1: the series' position
  bool line = false;     // join the points
  bool markers = true;
  bool dashed = false;   // a derived overlay (frontier), drawn grey and dashed
};

struct Axis {
  std::string label{};
  bool log = false;               // base-10; values <= 0 are not drawn
  std::optional<double> min{}, max{};  // default: the data range (padded)
  bool percent = false;           // tick labels as percentages of 1
  bool integer = false;           // integer ticks only (e.g. k)
};

struct Chart {
  std::string id;        // element id and CSS class hook ("chart-cost-aime24")
  std::string kind;      // data-chart attribute value, e.g. "accuracy-cost"
  std::string title;
  Axis x, y;
  std::vector<Series> series;
  std::string note;      // caption under the chart ("" for none)
  int width = 580;   // two charts side by side on a 1280-pixel screen
  int height = 340;
};

// A <figure class="chart" id=... data-chart=kind> with the svg and legend.
// Series with no drawable point still get a legend entry marked "(no data)".
std::string render_chart(const Chart& chart);

struct Box {
  double p10 = 0, p25 = 0, p50 = 0, p75 = 0, p90 = 0;
  int count = 0;           // 0: nothing drawn
};

struct BoxRow {
  std::string label;       // e.g. the model name
  std::vector<Box> boxes;  // drawn stacked within the row, coloured by position
  std::string note;        // right-hand text, e.g. "truncated 12.5%"
};

struct BoxChart {
  std::string id;
  std::string kind;
  std::string title;
  Axis x;
  std::vector<std::string> box_names;  // legend, one per Box position ("correct", "wrong")
  std::vector<BoxRow> rows;
  std::string note;
  int width = 720;
};

std::string render_box_chart(const BoxChart& chart);

// The colour of style i (a CSS colour), cycling over 12.
std::string colour(int i);

}  // namespace rigor::svg
