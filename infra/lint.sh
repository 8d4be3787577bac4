#!/usr/bin/env bash
# Offline checks of the deployment template: cfn-lint (the template is valid
# CloudFormation and SAM, property values included) and checkov (security
# settings; skips in infra/.checkov.yaml, each with its reason).
# The linters live in their own virtualenv, .venv-tools/, apart from the
# emulator's .venv/ (moto pulls a newer cfn-lint). They are installed from
# infra/requirements-lint.txt only when that file changed or on a fresh clone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv-tools"
requirements="$root/infra/requirements-lint.txt"
stamp="$venv/.memnun-lint-requirements"
template="infra/template.yaml"
config="infra/.checkov.yaml"

if ! { [[ -x "$venv/bin/cfn-lint" && -x "$venv/bin/checkov" && -f "$stamp" ]] &&
    cmp -s "$requirements" "$stamp"; }; then
    echo "installing the template linters (cfn-lint, checkov) into .venv-tools/ ..."
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --disable-pip-version-check --quiet -r "$requirements"
    cp "$requirements" "$stamp"
fi

cd "$root"

# A skipped check without its reason is an unexplained hole.
awk '
    /^skip-check:/ { in_list = 1; next }
    in_list && /^[^ #]/ { in_list = 0 }
    in_list && /^ *- / {
        if (previous !~ /^ *# *[^ ]/) { print FILENAME ": no reason above " $0; bad = 1 }
    }
    { previous = $0 }
    END { exit bad }
' "$config"

# cfn-lint runs beside the rest: each step is mostly Python start-up.
"$venv/bin/cfn-lint" "$template" &
cfn_lint=$!
status=0

# checkov reads the template as written, and also as SAM expands it, so that
# the resources SAM generates (the function URL and its permissions, the event
# source mappings) are checked too. The expansion runs offline; CodeUri is
# replaced by a placeholder because SAM's translator wants an S3 location.
transformed="$venv/template.transformed.json"
AWS_DEFAULT_REGION=eu-central-1 "$venv/bin/python" - "$template" "$transformed" <<'PY' || status=1
import json, sys
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

class NoManagedPolicies:
    def load(self):
        return {}

with open(sys.argv[1]) as f:
    template = yaml_parse(f.read())
for resource in template.get("Resources", {}).values():
    if resource.get("Type") == "AWS::Serverless::Function":
        resource["Properties"]["CodeUri"] = "s3://placeholder/code.zip"
expanded = transform(template, {"SenderEmail": "placeholder@example.com"}, NoManagedPolicies())
with open(sys.argv[2], "w") as f:
    json.dump(expanded, f, indent=1)
PY

# Checkov asks PyPI for updates and its vendor for guidelines unless told not
# to, and passes a template it cannot parse unless told to fail.
BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE CKV_PARSE_ERROR_FAIL=TRUE \
    "$venv/bin/checkov" --config-file "$config" --file "$template" --file "$transformed" ||
    status=1
wait "$cfn_lint" || { echo "cfn-lint found problems in $template"; status=1; }
if [[ $status -ne 0 ]]; then
    exit "$status"
fi
echo "template checks passed: $template"
