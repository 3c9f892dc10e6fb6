// Escaping for text that came from a model, a server or a config (names,
// labels, problem ids): it is untrusted and must not break out of the format.
#pragma once

#include <string>
#include <string_view>

namespace rigor {

// Markdown (GitHub-flavoured) inline text, safe inside a table cell: escapes
// \ | * _ ` [ ] # ~, turns < > & into HTML entities (so no raw HTML such as
// <script> survives) and every CR/LF/control character into a space.
std::string escape_markdown(std::string_view s);

// One RFC 4180 CSV field: quoted (with inner quotes doubled) when it contains
// a comma, quote, CR or LF, or starts/ends with a space; else as is.
std::string csv_field(std::string_view s);

// HTML text or attribute value: & < > " ' become entities; control
// characters other than tab become spaces.
std::string escape_html(std::string_view s);

// Terminal text: control characters (including ESC, so no ANSI sequences)
// become \xNN, so a name cannot move the cursor or recolour the screen.
std::string escape_terminal(std::string_view s);

// Terminal columns of UTF-8 text: 2 per East Asian wide character or emoji,
// 0 per combining mark or joiner, 1 per other code point (and stray byte).
size_t display_width(std::string_view s);

// One "label  value" line of a stacked terminal layout: the label padded to
// label_width columns, the value wrapped at spaces so no line passes `width`
// columns (a single longer word excepted), continuation lines indented under
// the value. Text already escaped.
std::string wrap_row(const std::string& label, const std::string& value, size_t label_width, size_t width);

}  // namespace rigor
