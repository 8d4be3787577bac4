#!/usr/bin/env bash
# Installs what the browser test (tests/flows/browser.rs) drives: Debian's
# chromium, and playwright-core from npm at the version package-lock.json pins
# (playwright-core downloads no browser of its own). Each part is skipped when
# it is already in place, so running this again costs a second.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if ! command -v chromium >/dev/null 2>&1; then
    echo "installing Debian's chromium ..."
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        chromium fonts-dejavu-core >/dev/null
fi

# npm ci only when the lock changed since the last install (or on a fresh clone).
stamp="$here/node_modules/.memnun-lock"
if ! { [[ -f "$stamp" ]] && cmp -s "$here/package-lock.json" "$stamp"; }; then
    echo "installing playwright-core (npm ci) ..."
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$here/package-lock.json" "$stamp"
fi
echo "browser test tools ready: $(chromium --version 2>/dev/null || echo chromium), playwright-core $(node -p "require('$here/node_modules/playwright-core/package.json').version")"
