#include "scorers/sandbox/python_runner.h"

namespace rigor::sandbox::detail {

const char* spawn_runner_source() {
  // Runs in the jail's interpreter. Names start with _rigor so that nothing
  // leaks into the program's namespace (it gets a fresh module).
  // The interpreter runs with -S (no .pth file of the host runs in the
  // jail); the installed packages and exit(), quit(), help() stay.
  return R"PY(import os as _rigor_os, sys as _rigor_sys, types as _rigor_types, site as _rigor_site
_rigor_sys.path.extend(p for p in _rigor_site.getsitepackages() if _rigor_os.path.isdir(p))
_rigor_site.setquit()
_rigor_site.sethelper()
def _rigor_read(fd):
    parts = []
    while True:
        b = _rigor_os.read(fd, 1 << 20)
        if not b:
            return b"".join(parts)
        parts.append(b)
_rigor_src = _rigor_read(3)
_rigor_os.close(3)
try:  # a judged run's channel arrives as fd 4 and is the program's fd 3
    _rigor_os.dup2(4, 3)
    _rigor_os.close(4)
except OSError:
    pass
_rigor_m = _rigor_types.ModuleType("__main__")
_rigor_m.__file__ = "solution.py"
_rigor_sys.modules["__main__"] = _rigor_m
_rigor_sys.argv = ["solution.py"]
exec(compile(_rigor_src, "solution.py", "exec"), _rigor_m.__dict__)
)PY";
}

const char* resident_prelude() {
  // -S: no .pth file of the host runs in here (one on the reference VM
  // imported threading, whose at-fork hook alone cost ~3 ms of copy-on-write
  // faults per forked program). What a program expects of site stays: the
  // installed packages and exit(), quit(), help(). Modules programs often
  // use are imported once, here; threading is not (see above).
  return R"PY(import os, sys, socket, traceback, builtins, gc, site
import collections, math, itertools, functools, heapq, bisect, re, string, typing, fractions, decimal, json, struct
sys.path.extend(p for p in site.getsitepackages() if os.path.isdir(p))
site.setquit()
site.sethelper()

def read_all(fd):
    parts = []
    while True:
        b = os.pread(fd, 1 << 20, sum(map(len, parts)))
        if not b:
            return b"".join(parts)
        parts.append(b)

# The exit status a SystemExit asks for, as the interpreter computes it.
def exit_code(e):
    c = e.code
    if c is None:
        return 0
    if isinstance(c, int):
        return c & 0xff
    try:
        sys.stderr.write(str(c) + "\n")
    except Exception:
        pass
    return 1

)PY";
}

std::vector<std::string> jail_environment() {
  return {"PATH=/usr/bin:/bin", "HOME=/tmp", "TMPDIR=/tmp", "LANG=C.UTF-8", "PYTHONIOENCODING=utf-8",
          "PYTHONDONTWRITEBYTECODE=1", "PYTHONHASHSEED=0"};
}

}  // namespace rigor::sandbox::detail
