// Splits inline reasoning out of streamed content: "<think>…</think>answer".
//
// Rules (pieces may split the tags anywhere):
// - Only whitespace may precede "<think>"; "<think>" later in the text is
//   ordinary answer text.
// - The opening tag is optional: many chat templates put "<think>" in the
//   prompt, so the model's output starts inside the reasoning and only the
//   closing tag appears. Text before a bare "</think>" is therefore reasoning
//   — unless implicit opening is disabled (a server that sends reasoning in
//   its own field has no reason to leave a bare close in the content).
// - Whitespace right after "</think>" is dropped from the answer.
// - An opened "<think>" that never closes: reasoning_unclosed() is true, the
//   body is the reasoning and the answer is empty (it was never reached).
// - Content without any tag is all answer.
//
// Until a tag settles it, content without "<think>" is ambiguous (reasoning
// if a bare "</think>" follows, answer otherwise), so each fed piece is
// classified only once known; pieces() is final after finish().
// Not thread-safe; one splitter per completion.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rigor {

class ThinkSplitter {
 public:
  enum class Piece {
    kPending,    // not yet known (only before finish())
    kReasoning,  // carried reasoning or only tags / the gap after </think>
    kAnswer,     // carried at least one byte of answer text
  };

  explicit ThinkSplitter(bool implicit_open = true) : implicit_open_(implicit_open) {}

  // Stops treating text before a bare "</think>" as reasoning. Content
  // already buffered as ambiguous is settled as answer.
  void disable_implicit_open();

  // Feeds the next piece of content; returns its index in pieces().
  size_t feed(std::string_view piece);

  // Ends the content: flushes held-back bytes and settles every piece.
  void finish();

  const std::string& answer() const { return answer_; }
  const std::string& reasoning() const { return reasoning_; }
  bool unclosed() const { return unclosed_; }
  const std::vector<Piece>& pieces() const { return pieces_; }

 private:
  enum class State {
    kStart,     // only whitespace so far, possibly the start of "<think>"
    kThink,     // inside an explicit <think>
    kImplicit,  // text without "<think>", reasoning only if "</think>" follows
    kGap,       // after "</think>", skipping whitespace
    kAnswer,    // everything else is answer
  };

  void settle_pending(Piece as);
  void start_answer(size_t piece_index);

  bool implicit_open_;
  State state_ = State::kStart;
  std::string held_;       // bytes that may be the start of a tag
  std::string answer_;
  std::string reasoning_;  // in kImplicit: the tentative body
  bool unclosed_ = false;
  std::vector<Piece> pieces_;
  size_t first_pending_ = 0;  // pieces_[first_pending_..] are still kPending
};

}  // namespace rigor
