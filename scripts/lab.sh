#!/usr/bin/env bash
# Start JupyterLab on notebooks/, bound to 127.0.0.1, and print the URL with its token.
set -euo pipefail
port=${1:-8888}
token=$(.venv/bin/python -c "import secrets; print(secrets.token_hex(16))")
extra=()
[ "$(id -u)" = 0 ] && extra+=(--allow-root)
echo "atomcomm: JupyterLab at http://127.0.0.1:${port}/lab?token=${token}"
exec .venv/bin/jupyter lab --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port="${port}" \
  --IdentityProvider.token="${token}" --ServerApp.root_dir="$(pwd)" \
  --ServerApp.default_url=/lab/tree/notebooks "${extra[@]}"
