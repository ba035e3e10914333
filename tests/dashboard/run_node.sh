#!/bin/sh
# Runs a node test file with node's own test runner; exits 77 (ctest:
# skipped) when node is not installed (deploy/setup.sh installs nodejs).
if ! command -v node >/dev/null 2>&1; then
  echo "SKIPPED: node is not installed (deploy/setup.sh installs nodejs)"
  exit 77
fi
exec node --test "$@"
