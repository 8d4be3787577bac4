#!/usr/bin/env bash
# Installs the Node.js peer's pinned dependencies (the AWS SDK for JavaScript
# v3, exactly as package-lock.json says) into tools/bench/peer-node/node_modules/,
# unless the same lock is already installed. Needs node (20, the peer's
# runtime) and npm; reaches npm's registry only when the lock changed or on a
# fresh clone.
set -euo pipefail
peer="$(cd "$(dirname "$0")" && pwd)"
lock="$peer/package-lock.json"
stamp="$peer/node_modules/.memnun-peer-lock"

if [[ -f "$stamp" ]] && cmp -s "$lock" "$stamp"; then
    exit 0
fi
echo "installing the Node.js peer (AWS SDK v3) into tools/bench/peer-node/node_modules/ ..."
(cd "$peer" && npm ci --no-audit --no-fund --ignore-scripts --silent)
cp "$lock" "$stamp"
node -e 'require.resolve("@aws-sdk/client-dynamodb", { paths: [process.argv[1]] })' "$peer"
echo "peer ready: $peer"
