// Process-wide allocator setting for the simulator (a load-test server).
#pragma once

#include <malloc.h>

namespace rigor {

// Keeps freed memory in the process for the next request instead of
// returning it to the kernel: a load-test server allocates and frees the same
// response buffers thousands of times a second, and with glibc's default
// trimming and mmap thresholds each round trip goes through the kernel.
// Peak memory is unchanged; only the release to the kernel before exit is
// given up (above 64 MiB it still happens).
inline void keep_freed_memory() {
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
}

}  // namespace rigor
