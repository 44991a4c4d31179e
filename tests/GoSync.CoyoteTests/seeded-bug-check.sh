#!/usr/bin/env bash
# Proves the Coyote suite can fail: builds a copy of the library with the seeded bug
# GOSYNC_SEEDED_BUG_MISSING_RECHECK (Load's locked path no longer looks in the read map again after
# taking the lock, so a promotion while it waited makes a present key look absent), rewrites it with
# the scenarios, and expects `dotnet coyote test` to report a bug in the LoadRacesPromotion scenario
# within the iteration budget; then replays the saved trace and expects the same bug again.
# Prints the iterations and time Coyote needed. Exits 0 only when the bug was found and replayed.
#
# Usage: tests/GoSync.CoyoteTests/seeded-bug-check.sh [iterations (default 10000)] [seed (default 1)]
set -euo pipefail

cd "$(dirname "$0")/../.."
iterations=${1:-10000}
seed=${2:-1}
scenario=GoSync.CoyoteTests.Scenarios.LoadRacesPromotion
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 COYOTE_CLI_TELEMETRY_OPTOUT=1

# A copy of what the test project builds from, so the seeded build shares no bin/ or obj/ with the real one.
copy=artifacts/coyote-seeded-bug
rm -rf "$copy"
mkdir -p "$copy/src" "$copy/tests/GoSync.Tests/Concurrency" "$copy/tests/GoSync.CoyoteTests"
cp Directory.Build.props Directory.Packages.props global.json dotnet-tools.json .editorconfig "$copy/"
cp -r src/GoSync "$copy/src/"
cp tests/GoSync.Tests/Concurrency/*.cs "$copy/tests/GoSync.Tests/Concurrency/"
cp tests/GoSync.CoyoteTests/*.cs tests/GoSync.CoyoteTests/*.csproj tests/GoSync.CoyoteTests/*.json "$copy/tests/GoSync.CoyoteTests/"
rm -rf "$copy"/src/GoSync/bin "$copy"/src/GoSync/obj

# DefineConstants from the environment is the starting value the SDK appends its own constants to
# (unlike -p:DefineConstants, which would replace them), so this adds one symbol to every project.
DefineConstants=GOSYNC_SEEDED_BUG_MISSING_RECHECK dotnet build "$copy/tests/GoSync.CoyoteTests" -c Release -v quiet -nologo
dll="$copy/tests/GoSync.CoyoteTests/bin/Release/net10.0/GoSync.CoyoteTests.dll"
out="$copy/coyote-out"

echo "=== coyote test: $scenario, up to $iterations iterations, seed $seed"
set +e
dotnet coyote test "$dll" -m "$scenario" -i "$iterations" --seed "$seed" -o "$out" | tee "$copy/test.log"
set -e
if ! grep -q "Found 1 bug" "$copy/test.log"; then
  echo "FAILED: Coyote did not find the seeded bug in $iterations iterations"
  exit 1
fi

explored=$(grep -o 'Explored [0-9]* execution path' "$copy/test.log" | grep -o '[0-9]*')
elapsed=$(grep -o 'Elapsed [0-9.]* sec' "$copy/test.log" | head -n 1 | grep -o '[0-9.]*')
echo "=== seeded bug found by Coyote after $explored iteration(s) in $elapsed s (seed $seed)"

trace=$(find "$out" -name '*.trace' | head -n 1)
echo "=== coyote replay: $trace"
set +e
dotnet coyote replay "$dll" "$trace" -m "$scenario" | tee "$copy/replay.log"
set -e
if ! grep -qi "reproduced 1 bug" "$copy/replay.log"; then
  echo "FAILED: the saved trace did not reproduce the bug"
  exit 1
fi

echo "seeded bug found and replayed"
