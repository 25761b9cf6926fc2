#!/usr/bin/env bash
# Debian packages the suite needs: headers to build the Confluent Kafka client (librdkafka, linked
# dynamically), redis-server (with redis-benchmark), and openssl (the TLS test makes its own
# certificate), and chromium (the dashboard test drives it headless with playwright-core).
# Installs only what is missing; needs root (or sudo) for that.
set -euo pipefail
needed=(libssl-dev zlib1g-dev libzstd-dev libsasl2-dev liblz4-dev libcurl4-openssl-dev redis-server redis-tools openssl chromium)
missing=()
for pkg in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "system packages: need root to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
echo "system packages: installed"
