#!/usr/bin/env bash
# The whole suite: unit, integration (real servers started by the tests) and the notebooks under nbval.
# pytest's exit code 5 ("no tests collected") is a failure too.
set -uo pipefail
.venv/bin/python -m pytest tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider "$@"
rc=$?
if [ $rc -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi
exit $rc
