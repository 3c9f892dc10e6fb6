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

// Display width of UTF-8 text (code points; good enough for aligned columns).
size_t display_width(std::string_view s);

}  // namespace rigor
