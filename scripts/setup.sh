#!/usr/bin/env bash
# setup.sh - install everything bmdstream needs on a fresh Debian 12 machine.
# Idempotent and quick when all is there: Debian packages only when missing,
# Maven jars only when the fetch-only poms changed, the Python venv only when
# tests/requirements.txt changed, the AsyncAPI parser (npm) only when
# ci/asyncapi/ changed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

DEBS=(build-essential cmake ninja-build pkg-config clang-format git curl ca-certificates
  librdkafka-dev libpq-dev libjansson-dev libcurl4-openssl-dev zlib1g-dev uuid-dev
  libcmocka-dev libgsl-dev libnlopt-dev libssl-dev libargon2-dev libxml2-dev libmicrohttpd-dev
  postgresql-15 postgresql-client-15 kcat
  openjdk-17-jre-headless maven python3 python3-venv chromium
  clang-14 libclang-rt-14-dev)

missing=()
for p in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js and npm run the AsyncAPI parser (tests/static/test_asyncapi.py);
# a machine that has them already (from any source) keeps its own.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  say "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$BS_STATE" "$BS_JARS"

# Maven jars: Kafka 4.1 (broker + tools) and S3Proxy, in separate class paths
# because their Jackson and Jetty versions differ.
fetch_jars() { # name pom
  local name=$1 pom=$2 dest=$BS_JARS/$1 stamp
  stamp=$(sha256sum "$pom" | cut -c1-16)
  if [ -f "$dest/.stamp" ] && [ "$(cat "$dest/.stamp")" = "$stamp" ]; then
    return 0
  fi
  say "setup: fetching $name jars with Maven"
  rm -rf "$dest"
  mkdir -p "$dest"
  mvn -B -q -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$dest" >"$BS_STATE/mvn-$name.log" 2>&1 ||
    {
      tail -20 "$BS_STATE/mvn-$name.log" >&2
      die "Maven fetch of $name failed"
    }
  echo "$stamp" >"$dest/.stamp"
}
fetch_jars kafka "$BS_ROOT/ci/kafka/pom.xml"
fetch_jars s3proxy "$BS_ROOT/ci/s3proxy/pom.xml"

# Python virtual environment for the reference tests.
req=$BS_ROOT/tests/requirements.txt
stamp=$(sha256sum "$req" | cut -c1-16)
if ! [ -f "$BS_VENV/.stamp" ] || [ "$(cat "$BS_VENV/.stamp")" != "$stamp" ]; then
  say "setup: creating the Python environment in $BS_VENV"
  [ -x "$BS_VENV/bin/python" ] || python3 -m venv "$BS_VENV"
  "$BS_VENV/bin/pip" install -q --disable-pip-version-check -r "$req"
  echo "$stamp" >"$BS_VENV/.stamp"
fi
# The AsyncAPI project's parser, which validates schemas/asyncapi.yaml: the
# versions pinned (with their integrity hashes) in ci/asyncapi/package-lock.json,
# installed into .state/asyncapi with no install scripts run.
fetch_npm() { # name
  local name=$1 src=$BS_ROOT/ci/$1 dest=$BS_STATE/$1 stamp
  stamp=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-16)
  if [ -f "$dest/.stamp" ] && [ "$(cat "$dest/.stamp")" = "$stamp" ]; then
    return 0
  fi
  say "setup: installing the $name packages with npm"
  rm -rf "$dest"
  mkdir -p "$dest"
  cp "$src/package.json" "$src/package-lock.json" "$dest/"
  (cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund) >"$BS_STATE/npm-$name.log" 2>&1 ||
    {
      tail -20 "$BS_STATE/npm-$name.log" >&2
      die "npm install of $name failed"
    }
  echo "$stamp" >"$dest/.stamp"
}
fetch_npm asyncapi
say "setup: done"
