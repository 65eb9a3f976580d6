#!/bin/sh
# The pre-deploy action of s.yaml: `ossdirect preflight --manifest s.yaml` checks
# the inputs in s.yaml's vars offline and stops the deploy, with one line
# per problem, before anything is created. It runs the CLI bundled in
# bin/ (linux/amd64, what the console's application center and most CI
# machines run), else `ossdirect` from PATH (go install ./cmd/ossdirect in
# the ossdirect repository). Skip it with `s deploy --skip-actions`.
cd "$(dirname "$0")/.." || exit 1
if [ "$(uname -s)/$(uname -m)" = "Linux/x86_64" ] && [ -x bin/ossdirect ]; then
	exec bin/ossdirect preflight --manifest s.yaml
fi
if command -v ossdirect >/dev/null 2>&1; then
	exec ossdirect preflight --manifest s.yaml
fi
echo "preflight: no ossdirect CLI for $(uname -s)/$(uname -m): put ossdirect on PATH (go install ./cmd/ossdirect in the ossdirect repository), or deploy with s deploy --skip-actions to skip the checks" >&2
exit 1
