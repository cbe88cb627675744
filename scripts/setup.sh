#!/usr/bin/env bash
# Idempotent setup: installs the Debian packages abtop builds and tests with, only when missing.
# Uses sudo only when not root. Safe to run before every build.
set -euo pipefail

# The fleet (issue 28): hiredis and libpq to build against; PostgreSQL, Redis and nginx for the fleet test, which
# starts its own servers on loopback (Tests/Fleet/run.sh) and stops them after.
packages=(libncurses-dev libcurl4-openssl-dev libsqlite3-dev tmux pkg-config chromium
    libhiredis-dev libpq-dev postgresql redis-server nginx-light)
missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "setup: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
else
    as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
