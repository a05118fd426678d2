#!/bin/sh
# Regenerates README.md's configuration reference from pushyd itself, so
# the documented keys and defaults are the ones the code has.
set -eu
cd "$(dirname "$0")/.."
table=$(mktemp)
"${BUILD:-build}/bin/pushyd" --config-reference-markdown > "$table"
awk -v table="$table" '
    /<!-- config-reference:begin -->/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
    /<!-- config-reference:end -->/ { skip = 0 }
    !skip { print }
' README.md > README.md.tmp
mv README.md.tmp README.md
rm -f "$table"
