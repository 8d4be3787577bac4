#!/usr/bin/env bash
# Installs the pinned AWS emulator (moto server) into the project's own
# virtualenv, .venv/, unless the same pinned set is already there.
# Needs python3 (3.11 or newer) with venv and pip; reaches PyPI only when the
# pins changed or on a fresh clone.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.venv"
requirements="$root/tests/emulator/requirements.txt"
stamp="$venv/.memnun-emulator-requirements"

if [[ -x "$venv/bin/moto_server" && -f "$stamp" ]] && cmp -s "$requirements" "$stamp"; then
    exit 0
fi
echo "installing the AWS emulator (moto server) into .venv/ ..."
python3 -m venv "$venv"
"$venv/bin/pip" install --disable-pip-version-check --quiet -r "$requirements"
cp "$requirements" "$stamp"
"$venv/bin/moto_server" --help > /dev/null
echo "emulator ready: $venv/bin/moto_server"
