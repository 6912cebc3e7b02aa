#!/usr/bin/env bash
# Installs STILTS (taplint, tapquery, votlint) from the Debian package; idempotent.
set -euo pipefail
if command -v stilts >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show stilts >/dev/null 2>&1; then
  $SUDO apt-get update -qq
fi
$SUDO apt-get install -y -qq stilts >&2
command -v stilts >/dev/null
