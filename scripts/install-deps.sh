#!/bin/sh
# Installs the Debian packages Pushy needs to build, test and run, only
# when one is missing. Safe to run again; needs root (or sudo) to install.
set -eu
PKGS="build-essential pkg-config libzmq3-dev libnng-dev libjansson-dev libpq-dev
libssl-dev libcriterion-dev libmicrohttpd-dev libcurl4-openssl-dev postgresql ruby-mixlib-authentication
procps psmisc curl passwd util-linux ruby jq xxd openssl goiardi"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
