#!/bin/sh
# The layer check must fail on a tree where base/ includes harness/, and
# pass on the same tree without that include.
set -e
python="$1"; check="$2"
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/base" "$dir/harness"
printf '#include "harness/config.h"\n' > "$dir/base/x.h"
printf '#include "base/x.h"\n' > "$dir/harness/config.h"
if "$python" "$check" "$dir"; then echo "the check passed an upward include"; exit 1; fi
printf '#include <string>\n' > "$dir/base/x.h"
"$python" "$check" "$dir"
