// One request of a `rigor perf` load level, as the load generator measured
// it and the perf store keeps it. Times are seconds since the level's start
// unless said otherwise; Completion times are relative to the send.
#pragma once

#include <cstdint>

#include "base/completion.h"

namespace rigor {

struct PerfRecord {
  int64_t index = 0;          // order of dispatch, 0-based
  double scheduled_s = -1;    // open loop: planned send time; closed loop: -1
  double sent_s = 0;          // actual send time
  double dispatch_lag_s = 0;  // sent_s - scheduled_s (open loop); 0 for closed loop
  double first_byte_s = -1;   // send -> first response body byte (the server started answering); -1 if none
  bool ok = false;
  Completion completion;      // valid when ok
  Error error;                // valid when !ok
  double end_s = 0;           // when the request ended, since the level start
};

}  // namespace rigor
