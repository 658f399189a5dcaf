#!/usr/bin/env bash
# README.md holds the conformance catalogue between two markers; it must equal
# what `ppio-conformance --list --markdown` prints. To refresh it:
#   build/dev/conformance/ppio-conformance --list --markdown
set -euo pipefail
conformance="$1"
readme="$2"
in_readme=$(sed -n '/<!-- catalogue:begin -->/,/<!-- catalogue:end -->/p' "$readme" | sed '1d;$d')
generated=$("$conformance" --list --markdown)
if [ "$in_readme" != "$generated" ]; then
  echo "README.md's catalogue is out of date; replace the table between the catalogue markers with:"
  echo "$generated"
  diff <(echo "$in_readme") <(echo "$generated") || true
  exit 1
fi
echo "README catalogue matches ($(echo "$generated" | tail -n +3 | wc -l) cases)"
