#!/usr/bin/env bash
# Prepares a Debian machine for livegate's test suite, then (unless --setup-only) runs it.
#
# The integration tests start real Prometheus, Alertmanager, Chromium, nginx, Redis and NATS
# processes and run promtool / systemd-analyze, all from Debian packages. This script installs the
# packages that are missing (apt-get, as root or through sudo), runs `npm ci` when node_modules does
# not match package-lock.json, and then `npm test`. It is idempotent: on a machine that has
# everything it checks in well under a second and goes straight to `npm test`.
#
# Usage: scripts/test-setup.sh [--setup-only] [--dry-run]
#   --setup-only  install what is missing, then stop (no npm ci, no npm test)
#   --dry-run     print what would be installed and run, change nothing
# Environment (used by the script's own test to simulate a fresh machine):
#   TEST_SETUP_PROBE_PATH     where to look for the packages' programs. Defaults to $PATH plus the sbin dirs.
#   TEST_SETUP_DPKG_ADMINDIR  dpkg database consulted for packages without a program. Defaults to dpkg's own.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

setup_only=0
dry_run=0
for arg in "$@"; do
  case "$arg" in
    --setup-only) setup_only=1 ;;
    --dry-run) dry_run=1 ;;
    *)
      echo "test-setup: unknown argument '$arg' (expected --setup-only or --dry-run)" >&2
      exit 2
      ;;
  esac
done

section() { printf '\n==> %s\n' "$*"; }

# Debian package:program. The package counts as present when its program is on the probe path (it
# may come from elsewhere) or dpkg lists the package as installed; an empty program means dpkg only.
#   prometheus               Prometheus for PromQL tests; also brings promtool (metrics lint test)
#   prometheus-alertmanager  Alertmanager and amtool
#   chromium                 dashboard e2e tests through playwright-core
#   fonts-liberation         chromium only recommends its fonts; pages render alike everywhere
#   nginx                    reverse-proxy tests
#   redis-server, nats-server  bus and stream tests
#   systemd                  systemd-analyze verify of deploy/systemd/livegate.service
PACKAGES=(
  prometheus:prometheus
  prometheus-alertmanager:prometheus-alertmanager
  chromium:chromium
  fonts-liberation:
  nginx:nginx
  redis-server:redis-server
  nats-server:nats-server
  systemd:systemd-analyze
)

probe_path="${TEST_SETUP_PROBE_PATH:-$PATH:/usr/local/sbin:/usr/sbin:/sbin}"
dpkg_args=()
if [ -n "${TEST_SETUP_DPKG_ADMINDIR:-}" ]; then dpkg_args=(--admindir="$TEST_SETUP_DPKG_ADMINDIR"); fi

# present PACKAGE PROBE: the probe is found, or dpkg says the package is installed.
present() {
  local package="$1" probe="$2"
  if [ -n "$probe" ] && PATH="$probe_path" command -v "$probe" >/dev/null 2>&1; then return 0; fi
  [ "$(dpkg-query "${dpkg_args[@]}" -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null || true)" = "ii " ]
}

section "system packages"
missing=()
for entry in "${PACKAGES[@]}"; do
  present "${entry%%:*}" "${entry#*:}" || missing+=("${entry%%:*}")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "all present"
else
  apt=(apt-get)
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "test-setup: missing ${missing[*]}; run as root or install sudo" >&2
      exit 1
    fi
    apt=(sudo apt-get)
  fi
  echo "missing: ${missing[*]}"
  if [ "$dry_run" -eq 1 ]; then
    echo "would run: ${apt[*]} update"
    echo "would run: ${apt[*]} install -y --no-install-recommends ${missing[*]}"
  else
    "${apt[@]}" update
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${missing[@]}"
  fi
fi

[ "$setup_only" -eq 1 ] && exit 0

section "node"
node_floor="$(node -p 'require("./package.json").engines.node.replace(/^>=\s*/, "")')"
if ! node -e '
  const [a, b] = [process.versions.node, process.argv[1]].map((v) => v.split(".").map(Number));
  const cmp = a[0] - b[0] || a[1] - b[1] || (a[2] ?? 0) - (b[2] ?? 0);
  process.exit(cmp >= 0 ? 0 : 1);
' "$node_floor"; then
  echo "test-setup: node $(node --version) is older than the declared floor $node_floor (package.json engines)" >&2
  exit 1
fi
echo "node $(node --version) (floor $node_floor), npm $(npm --version)"

section "npm ci"
# npm ci only when node_modules was not installed from exactly this lockfile: the stamp records the
# lockfile's hash at the last successful npm ci.
stamp=node_modules/.test-setup-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "node_modules matches package-lock.json"
elif [ "$dry_run" -eq 1 ]; then
  echo "would run: npm ci"
else
  npm ci --no-audit --no-fund
  echo "$want" >"$stamp"
fi

section "npm test"
if [ "$dry_run" -eq 1 ]; then
  echo "would run: npm test"
else
  npm test
fi
