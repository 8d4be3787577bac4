#!/usr/bin/env bash
# Copies a benchmark's generated tables into docs/performance.md: the block
# between `<!-- bench: <file> -->` and `<!-- /bench -->` becomes the file's
# content, and the marker names it. A test (tests/flows/docs.rs) fails while
# the page and the file differ, so the published figures cannot drift.
#   tools/bench/publish.sh tools/bench/results/2026-12-02-all.md
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
file="${1:?usage: tools/bench/publish.sh tools/bench/results/<run>.md}"
page="$root/docs/performance.md"
[[ -f "$root/$file" ]] || { echo "no results file $file" >&2; exit 1; }
grep -q '^<!-- bench: ' "$page" || { echo "docs/performance.md has no <!-- bench: … --> block" >&2; exit 1; }
python3 - "$page" "$file" "$root/$file" <<'PY'
import re, sys
page, name, path = sys.argv[1:]
text = open(page, encoding="utf-8").read()
results = open(path, encoding="utf-8").read().strip()
block = f"<!-- bench: {name} -->\n{results}\n<!-- /bench -->"
text, n = re.subn(r"<!-- bench: [^>]* -->\n.*?<!-- /bench -->", lambda _: block, text, count=1, flags=re.S)
assert n == 1
open(page, "w", encoding="utf-8").write(text)
PY
echo "docs/performance.md now shows $file"
