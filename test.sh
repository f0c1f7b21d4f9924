#!/usr/bin/env bash
# Runs every Gyre test suite on a fresh machine: installs what the suites need, builds once in Release,
# runs the .NET suites and the Node end-to-end suite (real centrifuge-js), and ends with the line
# "N passed, N failed" counted over all of them. Exit code is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
OUT="$ROOT/artifacts/test-results"
rm -rf "$OUT" && mkdir -p "$OUT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

passed=0
failed=0
# Names of failed tests, printed again just above the summary line so that a log's tail names them.
FAILED_LIST="$OUT/failed-tests.txt"
: > "$FAILED_LIST"

note() { printf '\n== %s\n' "$*"; }

# Debian packages the suites need, installed only when missing: real Redis and NATS servers for the engine suites,
# and Chromium for the e2e-js browser check (which fails, never skips, when /usr/bin/chromium is absent).
APT_PACKAGES=(redis-server nats-server chromium)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  note "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" || { echo "apt install failed"; failed=$((failed + 1)); }
fi

note "npm install (tests/e2e-js)"
(cd tests/e2e-js && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed"; failed=$((failed + 1)); }

note "build (Release)"
if ! dotnet build Gyre.slnx -c Release -nologo -clp:ErrorsOnly; then
  echo "build failed"
  echo "$passed passed, $((failed + 1)) failed"
  exit 1
fi

# .NET suites: counts come from each run's TRX file, not from console text.
for project in tests/*.Tests/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  note "$name"
  dotnet test "$project" -c Release --no-build --nologo --logger "trx;LogFileName=$name.trx" --results-directory "$OUT" -- RunConfiguration.TestSessionTimeout=900000
  trx="$OUT/$name.trx"
  if [ -f "$trx" ]; then
    p=$(grep -o '<Counters [^>]*' "$trx" | grep -o 'passed="[0-9]*"' | grep -o '[0-9]*')
    f=$(grep -o '<Counters [^>]*' "$trx" | grep -o ' failed="[0-9]*"' | grep -o '[0-9]*')
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*' "$trx" | grep -o 'testName="[^"]*"' \
      | sed -e 's/^testName="//' -e 's/"$//' -e "s/^/$name: /" >> "$FAILED_LIST"
  else
    echo "$name produced no results"
    echo "$name: produced no results" >> "$FAILED_LIST"
    failed=$((failed + 1))
  fi
done

note "e2e-js (centrifuge-js against the Release server)"
export GYRE_SERVER_DLL="$ROOT/src/Gyre.Server/bin/Release/net10.0/gyre.dll"
(cd tests/e2e-js && node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$OUT/e2e-js.tap")
node_status=$?
tap="$OUT/e2e-js.tap"
if [ -f "$tap" ]; then
  p=$(grep -E '^# pass [0-9]+' "$tap" | tail -1 | grep -o '[0-9]*')
  f=$(grep -E '^# fail [0-9]+' "$tap" | tail -1 | grep -o '[0-9]*')
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  [ -z "$p" ] && failed=$((failed + 1))
  grep -E '^ *not ok [0-9]+ - ' "$tap" | sed -E 's/^ *not ok [0-9]+ - /e2e-js: /' >> "$FAILED_LIST"
  # A failed before/after hook fails the run but is counted in neither "# pass" nor "# fail": count it here.
  if [ "$node_status" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
    echo "e2e-js exited with $node_status but no test failed: a hook failed (see above)"
    failed=$((failed + 1))
  fi
else
  echo "e2e-js produced no results"
  failed=$((failed + 1))
fi

echo
if [ -s "$FAILED_LIST" ]; then
  echo "failed tests:"
  sed 's/^/  /' "$FAILED_LIST"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
