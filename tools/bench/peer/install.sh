#!/usr/bin/env bash
# Installs the Python peer's pinned dependencies (boto3) into its own
# virtualenv, tools/bench/peer/.venv/, unless the same pinned set is already
# there. Needs python3 (3.11, the peer's runtime) with venv and pip; reaches
# PyPI only when the pins changed or on a fresh clone.
set -euo pipefail
peer="$(cd "$(dirname "$0")" && pwd)"
venv="$peer/.venv"
requirements="$peer/requirements.txt"
stamp="$venv/.memnun-peer-requirements"

if [[ -x "$venv/bin/python" && -f "$stamp" ]] && cmp -s "$requirements" "$stamp"; then
    exit 0
fi
echo "installing the Python peer (boto3) into tools/bench/peer/.venv/ ..."
python3 -m venv "$venv"
"$venv/bin/pip" install --disable-pip-version-check --quiet -r "$requirements"
cp "$requirements" "$stamp"
"$venv/bin/python" -c "import boto3" 
echo "peer ready: $venv/bin/python"
