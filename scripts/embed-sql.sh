#!/bin/sh
# Embeds shared/sql/NNN_name.sql files as C string literals: the migrations
# table is ordered by the numeric prefix of each file name.
set -eu
echo '#include "shared/migrations.h"'
echo 'const struct pushy_migration pushy_migrations[] = {'
for f in "$@"; do
    base=$(basename "$f" .sql)
    ver=$(echo "$base" | sed 's/_.*//' | sed 's/^0*//')
    printf '  { %s, "%s",\n' "$ver" "$base"
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$/\\n"/' "$f"
    printf '  },\n'
done
echo '  { 0, 0, 0 }'
echo '};'
