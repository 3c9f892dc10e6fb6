#!/bin/sh
# Builds a fuzz target with clang (libFuzzer + ASan + UBSan) and runs it for
# a bounded time. Usage: tests/fuzz/run_fuzz.sh [SECONDS [TARGET]], TARGET
# math_parser (the default) or code_extract.
# Exit code: 0 if no crash was found; non-zero otherwise (the crashing input
# is left in the work directory as crash-*).
set -eu
secs=${1:-60}
target=${2:-math_parser}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${RIGOR_FUZZ_DIR:-$root/build-fuzz}/$target
mkdir -p "$work/corpus"
cxxflags="-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer -I$root"
case $target in
  math_parser)
    # Seed corpus: the gold/answer pairs of the case table, and gold/response
    # pairs of the extraction table.
    tail -n +2 "$root/tests/data/math_equivalence.tsv" | awk -F'\t' -v d="$work/corpus" \
      '{ f = sprintf("%s/seed%04d", d, NR); printf "%s\t%s", $1, $2 > f; close(f) }'
    # The extraction table's cells escape a newline as \n (and a literal
    # backslash-n as \\n; tests/case_table_parse.h): undone here as there.
    grep -v '^#' "$root/tests/data/scorers_math_extract.tsv" | awk -F'\t' -v d="$work/corpus" \
      'function unescape(s) { gsub(/\\\\n/, "\001", s); gsub(/\\n/, "\n", s); gsub(/\001/, "\\n", s); return s }
       { f = sprintf("%s/extract%04d", d, NR); printf "%s\t%s", unescape($2), unescape($1) > f; close(f) }'
    libs=$(pkg-config --cflags --libs ginac)
    srcs="$root/scorers/math/math_lexer.cpp $root/scorers/math/math_parser.cpp $root/scorers/math/math_node.cpp \
      $root/scorers/math/math_numeric.cpp $root/scorers/math/math_ginac.cpp $root/scorers/math/math_equiv.cpp \
      $root/scorers/math/math_scorer.cpp $root/scorers/extract.cpp"
    max_len=512 ;;
  code_extract)
    # Seed corpus: the answers of the extraction case table.
    python3 -c 'import json, sys
for i, l in enumerate(open(sys.argv[1])):
    if l.strip():
        open("%s/seed%04d" % (sys.argv[2], i), "w").write(json.loads(l)["answer"])' \
      "$root/tests/data/code_extract.jsonl" "$work/corpus"
    libs=""
    srcs="$root/scorers/code/extract_code.cpp"
    max_len=8192 ;;
  *) echo "unknown fuzz target $target" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086
clang++ $cxxflags "$root/tests/fuzz/${target}_fuzz.cpp" $srcs $libs -o "$work/${target}_fuzz"
cd "$work"
# GiNaC leaks a few bytes when its own constructors throw (pow(0,0), 1/0);
# those are caught and turned into "no proof", so leak reports are off.
# RIGOR_FUZZ_RUNS (with RIGOR_FUZZ_SEED, default 1) makes a run repeatable,
# as CI needs: the same inputs every time, so a red CI is a real finding and
# not the luck of a random seed. Without it, each run explores anew.
repeat=""
if [ -n "${RIGOR_FUZZ_RUNS:-}" ]; then
  repeat="-runs=$RIGOR_FUZZ_RUNS -seed=${RIGOR_FUZZ_SEED:-1}"
fi
# shellcheck disable=SC2086
ASAN_OPTIONS=detect_leaks=0 "./${target}_fuzz" -max_total_time="$secs" -max_len="$max_len" \
  -timeout="${RIGOR_FUZZ_TIMEOUT:-2}" -rss_limit_mb=2048 $repeat corpus
