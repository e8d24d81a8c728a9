#!/bin/sh
# Rewrite the generated part of docs/configuration.md: update_config_reference.sh [BINARY]
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$top/build/ecsp-gateway}
doc=$top/docs/configuration.md
tmp=$(mktemp)
sed '/^<!-- generated from the option tables/q' "$doc" > "$tmp"
"$bin" --config-reference >> "$tmp"
mv "$tmp" "$doc"
