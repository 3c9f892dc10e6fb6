#include "scorers/code/humaneval_judge.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rigor {
namespace {

// Both sides: length-prefixed frames of JSON over fd 3, and the plain-data
// encoding. Every value is tagged with its exact type; decoding builds only
// builtin values and refuses anything else (untagged numbers, NaN literals,
// unknown tags, objects with more than one key).
constexpr char kWire[] = R"PY(import json as _rj, os as _ros, struct as _rst
_R_MAX = %MAX%

def _r_enc(v):
    t = type(v)
    if v is None or t is bool or t is str:
        return v
    if t is int:
        return {"i": format(v, "x")}
    if t is float:
        return {"f": v.hex()}
    if t is list:
        return [_r_enc(x) for x in v]
    if t is tuple:
        return {"t": [_r_enc(x) for x in v]}
    if t is dict:
        return {"d": [[_r_enc(k), _r_enc(x)] for k, x in v.items()]}
    if t is set:
        return {"s": [_r_enc(x) for x in v]}
    if t is frozenset:
        return {"z": [_r_enc(x) for x in v]}
    if t is bytes:
        return {"b": v.hex()}
    if t is complex:
        return {"c": [v.real.hex(), v.imag.hex()]}
    raise TypeError("a value of type %s is not plain data" % t.__name__)

def _r_untagged(x):
    raise ValueError("untagged number %.40r" % x)

def _r_tagged(pairs):
    if len(pairs) != 1:
        raise ValueError("a tagged value has exactly one key")
    tag, x = pairs[0]
    tx = type(x)
    if tx is str:
        if tag == "i":
            return int(x, 16)
        if tag == "f":
            return float.fromhex(x)
        if tag == "b":
            return bytes.fromhex(x)
    elif tx is list:
        if tag == "t":
            return tuple(x)
        if tag == "s":
            return set(x)
        if tag == "z":
            return frozenset(x)
        if tag == "d":
            d = {}
            for kv in x:
                if type(kv) is not list or len(kv) != 2:
                    raise ValueError("a dict item is a [key, value] pair")
                d[kv[0]] = kv[1]
            return d
        if tag == "c" and len(x) == 2 and type(x[0]) is str and type(x[1]) is str:
            return complex(float.fromhex(x[0]), float.fromhex(x[1]))
    raise ValueError("unknown tagged value %.40r" % tag)

def _r_send(envelope):
    b = _rj.dumps(envelope, ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode()
    if len(b) > _R_MAX:
        raise ValueError("a message of %d bytes is over the limit" % len(b))
    view = memoryview(_rst.pack(">I", len(b)) + b)
    while view:
        view = view[_ros.write(3, view):]

def _r_read(n):
    parts = []
    while n:
        b = _ros.read(3, min(n, 1 << 20))
        if not b:
            raise EOFError("the channel closed")
        parts.append(b)
        n -= len(b)
    return b"".join(parts)

def _r_recv():
    (n,) = _rst.unpack(">I", _r_read(4))
    if n > _R_MAX:
        raise ValueError("a message of %d bytes is over the limit" % n)
    return _rj.loads(_r_read(n).decode("utf-8"), object_pairs_hook=_r_tagged, parse_int=_r_untagged,
                     parse_float=_r_untagged, parse_constant=_r_untagged)
)PY";

// The trusted side. Its verdict goes to a duplicate of the original stdout;
// whatever the tests print goes to stderr.
constexpr char kJudge[] = R"PY(
import sys, traceback
_verdict_fd = _ros.dup(1)
_ros.dup2(2, 1)

def _stdin():
    parts = []
    while True:
        b = _ros.read(0, 1 << 20)
        if not b:
            return b"".join(parts)
        parts.append(b)

_spec = _rj.loads(_stdin().decode("utf-8"))

class _CandidateFailed(BaseException):
    """The candidate did not answer with plain data; never caught by a test's except Exception."""

class CandidateRaised(Exception):
    pass

_failed = []

def _fail(why):
    _failed.append(why)
    raise _CandidateFailed(why)

def _receive():
    try:
        return _r_recv()
    except Exception as e:
        _fail("%s: %s" % (type(e).__name__, str(e)[:200]))

def candidate(*args, **kwargs):
    if _failed:
        raise _CandidateFailed(_failed[0])
    try:
        _r_send(["call", _r_enc(list(args)), _r_enc(kwargs)])
    except OSError as e:
        _fail("the candidate is gone (%s)" % e.strerror)
    reply = _receive()
    if type(reply) is list and len(reply) == 2 and reply[0] == "ret":
        return reply[1]
    if type(reply) is list and len(reply) == 3 and reply[0] == "raise" and type(reply[1]) is str \
            and type(reply[2]) is str:
        raise CandidateRaised("%s: %s" % (reply[1][:80], reply[2][:200]))
    _fail("a malformed reply")

def _run():
    if _receive() != ["ready"]:
        _fail("a malformed greeting")
    g = {"__name__": "__rigor_tests__", "__builtins__": __builtins__}
    exec(compile(_spec["prompt"], "prompt.py", "exec"), g)
    g[_spec["entry_point"]] = candidate  # a test that names the function calls the candidate too
    exec(compile(_spec["test"], "test.py", "exec"), g)
    g[_spec["entry_point"]] = candidate
    g["check"](candidate)

def _where(e):
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == "test.py"]
    return " at test.py line %d" % frames[-1].lineno if frames else ""

try:
    _run()
    verdict, detail = ("candidate failed", _failed[0]) if _failed else ("accepted", "check() returned")
except _CandidateFailed:
    verdict, detail = "candidate failed", _failed[0]
except CandidateRaised as e:
    verdict, detail = "candidate raised", str(e)
except AssertionError as e:
    verdict, detail = "wrong answer", "an assertion of check() failed" + _where(e)
except BaseException as e:
    verdict, detail = "runtime error", "check() raised %s%s: %s" % (type(e).__name__, _where(e), str(e)[:200])
if _failed and verdict != "candidate failed":
    verdict, detail = "candidate failed", _failed[0]
try:
    sys.stderr.flush()
except Exception:
    pass
_ros.write(_verdict_fd, (_rj.dumps({"verdict": verdict, "detail": detail}) + "\n").encode())
_ros.close(_verdict_fd)
raise SystemExit(0)  # not os._exit: under the judge host this ends the task, not the host
)PY";

// The untrusted side: stdin is the entry point's name, a newline, and the
// module's source. Failures are printed to stderr (how a failure is named)
// and otherwise ignored: only the judge's report counts.
constexpr char kCandidate[] = R"PY(
import sys as _rsys, types as _rtypes, traceback as _rtb, io as _rio
_r_entry, _, _r_src = _rsys.stdin.buffer.read().partition(b"\n")
_rsys.stdin = _rio.TextIOWrapper(_rio.BytesIO(b""))
_r_main = _rtypes.ModuleType("__main__")
_r_main.__file__ = "solution.py"
_rsys.modules["__main__"] = _r_main
try:
    exec(compile(_r_src, "solution.py", "exec"), _r_main.__dict__)
    _r_fn = _r_main.__dict__[_r_entry.decode()]
except BaseException:
    _rtb.print_exc()
    _rsys.stderr.flush()
    _ros._exit(1)
_r_send(["ready"])
while True:
    try:
        _r_call = _r_recv()
    except EOFError:
        _ros._exit(0)
    try:
        _r_value = _r_enc(_r_fn(*_r_call[1], **_r_call[2]))
    except BaseException as e:
        _rtb.print_exc()
        _r_send(["raise", type(e).__name__, str(e)[:200]])
        continue
    _r_send(["ret", _r_value])
)PY";

std::string with_wire(const char* side) {
  std::string wire = kWire;
  std::string max = "%MAX%";
  wire.replace(wire.find(max), max.size(), std::to_string(kMaxFrameBytes));
  return wire + side;
}

}  // namespace

sandbox::Program humaneval_judge(const std::string& gold_json) {
  static const std::string source = with_wire(kJudge);
  return {source, gold_json, true};
}

sandbox::Program humaneval_candidate(const HumanEvalSpec& spec, const std::string& code) {
  static const std::string source = with_wire(kCandidate);
  return {source, spec.entry_point + "\n" + humaneval_module(spec, code), true};
}

JudgeReport parse_judge_report(const std::string& judge_stdout) {
  JudgeReport r;
  size_t end = judge_stdout.find_last_not_of('\n');
  if (end == std::string::npos) return r;
  size_t start = judge_stdout.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  auto j = nlohmann::json::parse(judge_stdout.substr(start, end + 1 - start), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("verdict") || !j.contains("detail") ||
      !j["verdict"].is_string() || !j["detail"].is_string()) {
    return r;
  }
  r.ok = true;
  r.verdict = j["verdict"].get<std::string>();
  r.detail = j["detail"].get<std::string>();
  return r;
}

}  // namespace rigor
