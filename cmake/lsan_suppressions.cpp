// Linked into sanitizer builds only. CLN (GiNaC's number library) allocates
// its global tables at start-up and never frees them; LeakSanitizer would
// fail every process at exit, test discovery included.
extern "C" const char* __lsan_default_suppressions() { return "leak:libcln.so\n"; }
