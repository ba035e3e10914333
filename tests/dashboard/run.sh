#!/bin/sh
# ctest "dashboard_browser": installs playwright-core (npm ci, pinned by
# package-lock.json, no browser download) into the build tree and runs
# test_dashboard.js against Debian's chromium. Exits 77 (ctest: skipped)
# only when node, npm or chromium is not installed; deploy/setup.sh
# installs them.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=${DASHBOARD_WORK:?set by tests/dashboard/CMakeLists.txt}
chromium=${CHROMIUM:-/usr/bin/chromium}

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "dashboard: SKIPPED: $tool is not installed (deploy/setup.sh installs nodejs)"
    exit 77
  fi
done
if [ ! -x "$chromium" ]; then
  echo "dashboard: SKIPPED: $chromium is not installed (deploy/setup.sh installs chromium)"
  exit 77
fi

mkdir -p "$work/node"
cp "$here/package.json" "$here/package-lock.json" "$work/node/"
# playwright-core drives the browser it is given; it must never fetch one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
(cd "$work/node" && npm ci --no-audit --no-fund --loglevel=error)

export DASHBOARD_NODE_MODULES="$work/node/node_modules"
export DASHBOARD_OUT="$work"
export CHROMIUM="$chromium"
exec node "$here/test_dashboard.js"
