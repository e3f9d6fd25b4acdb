#!/usr/bin/env bash
# hashtag-bench runner (Linux/macOS twin of run-bench.ps1): a thin wrapper over the .NET entry points.
#   ./run-bench.sh test              build and run every test project; last line "N passed, N failed"
#   ./run-bench.sh [run options]     the one-command benchmark + load + simulation run (see README)
set -uo pipefail
ROOT="$(cd "$(dirname "$0")" && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

run_tests() {
  local out="$ROOT/results/test-results"
  rm -rf "$out"; mkdir -p "$out"
  dotnet build Bench.sln -c Release -nologo -v:q || { echo "build failed"; echo "0 passed, 1 failed"; return 1; }
  # One test assembly at a time: several start a real cluster and the load tests need the CPU to themselves.
  dotnet test Bench.sln -c Release --no-build -m:1 --logger "trx;LogFilePrefix=tests" --logger "console;verbosity=normal" --results-directory "$out" "$@"
  local rc=$?
  local passed=0 failed=0 total=0
  for f in "$out"/*.trx; do
    [ -e "$f" ] || continue
    local counters; counters=$(grep -o '<Counters [^>]*>' "$f" | head -1)
    local t p fl e
    t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
    p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
    fl=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
    e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
    total=$((total + ${t:-0})); passed=$((passed + ${p:-0})); failed=$((failed + ${fl:-0} + ${e:-0}))
  done
  # A crashed test host leaves fewer results than tests: count the shortfall as failures.
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  if [ "$total" -eq 0 ]; then echo "no tests ran"; failed=$((failed == 0 ? 1 : failed)); fi
  leftover=$(pgrep -c redis-server || true)
  [ "${leftover:-0}" -gt 0 ] && echo "warning: $leftover redis-server process(es) still running after the tests"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

case "${1:-}" in
  test) shift; run_tests "$@"; exit $? ;;
  -h|--help|help) sed -n '2,5p' "$0"; exec dotnet run -c Release --project src/Cli -- run --help ;;
esac

dotnet build Bench.sln -c Release -nologo -v:q || { echo "error: build failed"; exit 1; }
exec dotnet run -c Release --no-build --project src/Cli -- run "$@"
