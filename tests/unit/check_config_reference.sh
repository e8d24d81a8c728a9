#!/bin/sh
# The generated part of docs/configuration.md (after the marker line) must be
# what the option tables say. Regenerate it with: tests/unit/update_config_reference.sh
set -e
tmp=$(mktemp)
cur=$(mktemp)
trap 'rm -f "$tmp" "$cur"' EXIT
"$1" --config-reference > "$tmp"
sed -n '/^<!-- generated from the option tables/,$p' "$2" | tail -n +2 > "$cur"
if ! diff -u "$cur" "$tmp"; then
	echo "docs/configuration.md is out of date: run tests/unit/update_config_reference.sh" >&2
	exit 1
fi
