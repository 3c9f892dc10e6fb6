#include "base/think_split.h"

namespace rigor {

namespace {

constexpr std::string_view kOpen = "<think>";
constexpr std::string_view kClose = "</think>";

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Length of the longest suffix of text that is a proper prefix of tag: those
// bytes may be the start of a tag split across pieces, so they wait.
size_t partial_tag_suffix(std::string_view text, std::string_view tag) {
  const size_t max = std::min(text.size(), tag.size() - 1);
  for (size_t len = max; len > 0; --len) {
    if (text.substr(text.size() - len) == tag.substr(0, len)) return len;
  }
  return 0;
}

}  // namespace

void ThinkSplitter::settle_pending(Piece as) {
  for (size_t i = first_pending_; i < pieces_.size(); ++i) {
    if (pieces_[i] == Piece::kPending) pieces_[i] = as;
  }
  first_pending_ = pieces_.size();
}

void ThinkSplitter::disable_implicit_open() {
  implicit_open_ = false;
  if (state_ == State::kImplicit) {
    answer_ += reasoning_;
    answer_ += held_;
    reasoning_.clear();
    held_.clear();
    state_ = State::kAnswer;
    settle_pending(Piece::kAnswer);
  }
}

size_t ThinkSplitter::feed(std::string_view piece) {
  const size_t index = pieces_.size();
  pieces_.push_back(Piece::kPending);
  // Held-back bytes are re-examined together with the new piece.
  std::string joined;
  std::string_view work = piece;
  if (!held_.empty()) {
    joined = std::move(held_);
    held_.clear();
    joined.append(piece);
    work = joined;
  }
  bool carried_answer = false;
  while (!work.empty()) {
    switch (state_) {
      case State::kStart: {
        size_t pos = 0;
        while (pos < work.size() && is_space(work[pos])) ++pos;
        const std::string_view rest = work.substr(pos);
        if (rest.empty() || (rest.size() < kOpen.size() && kOpen.substr(0, rest.size()) == rest)) {
          held_.assign(work);
          work = {};
          break;
        }
        if (rest.substr(0, kOpen.size()) == kOpen) {
          state_ = State::kThink;
          settle_pending(Piece::kReasoning);
          work = rest.substr(kOpen.size());
          break;
        }
        state_ = implicit_open_ ? State::kImplicit : State::kAnswer;
        if (state_ == State::kAnswer) settle_pending(Piece::kAnswer);
        break;  // the same bytes are handled by the new state
      }
      case State::kThink:
      case State::kImplicit: {
        const size_t close = work.find(kClose);
        if (close != std::string_view::npos) {
          reasoning_.append(work.substr(0, close));
          settle_pending(Piece::kReasoning);
          state_ = State::kGap;
          work = work.substr(close + kClose.size());
          break;
        }
        const size_t hold = partial_tag_suffix(work, kClose);
        reasoning_.append(work.substr(0, work.size() - hold));
        held_.assign(work.substr(work.size() - hold));
        work = {};
        break;
      }
      case State::kGap: {
        size_t pos = 0;
        while (pos < work.size() && is_space(work[pos])) ++pos;
        work = work.substr(pos);
        if (!work.empty()) state_ = State::kAnswer;
        break;
      }
      case State::kAnswer:
        answer_.append(work);
        carried_answer = true;
        work = {};
        break;
    }
  }
  if (carried_answer) {
    pieces_[index] = Piece::kAnswer;
  } else if (pieces_[index] == Piece::kPending &&
             (state_ == State::kThink || state_ == State::kGap)) {
    pieces_[index] = Piece::kReasoning;
  }
  if (pieces_[index] != Piece::kPending && first_pending_ == index) first_pending_ = index + 1;
  return index;
}

void ThinkSplitter::finish() {
  switch (state_) {
    case State::kStart:
      answer_ += held_;
      settle_pending(Piece::kAnswer);
      break;
    case State::kThink:
      reasoning_ += held_;
      unclosed_ = true;
      break;
    case State::kImplicit:
      // No closing tag came: the text was an ordinary answer all along.
      answer_ = reasoning_ + held_ + answer_;
      reasoning_.clear();
      settle_pending(Piece::kAnswer);
      break;
    case State::kGap:
    case State::kAnswer:
      break;
  }
  held_.clear();
  settle_pending(Piece::kReasoning);
}

}  // namespace rigor
