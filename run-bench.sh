#!/usr/bin/env bash
# hashtag-bench runner (Linux/macOS twin of run-bench.ps1): a thin wrapper over the hashtag-bench executable.
#   ./run-bench.sh test              install what the tests need, build, run every test project;
#                                    last line "N passed, N failed[, N skipped]"
#        test --stress               the same with `stress-ng --cpu 2` loading the machine throughout
#        test --no-docker            the same without starting Docker (the cluster runs as local processes
#                                    unless a daemon already answers)
#   ./run-bench.sh [run options]     the one-command benchmark + load + simulation run (see docs/run.md)
# Needs only the .NET SDK: when neither redis-server nor a Docker daemon with a Redis image is there, it installs
# Debian's redis-server (apt-get, with sudo when not root) and says so first. Exit codes as hashtag-bench's.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")" && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

have_redis() { command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; }
docker_has_redis_image() { command -v docker >/dev/null 2>&1 && timeout 5 docker image inspect redis:7.2 >/dev/null 2>&1; }

# Makes sure a cluster can be started: local redis-server processes, or containers when $1 is "containers-ok".
ensure_redis() {
  have_redis && return 0
  if [ "${1:-}" = containers-ok ] && docker_has_redis_image; then
    echo "redis-server is not installed; a Docker daemon with the redis:7.2 image answers, so the cluster runs in containers"
    return 0
  fi
  local install="apt-get install -y redis-server redis-tools" sudo=""
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: redis-server/redis-cli 7+ are needed and this system has no apt-get. Install them (macOS: brew install redis) or start a Docker daemon, then run this again." >&2
    exit 2
  fi
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"
    else echo "error: redis-server/redis-cli are needed; as root, run: $install" >&2; exit 2; fi
  fi
  echo "redis-server/redis-cli not found and no Docker daemon with a Redis image answers: installing Debian's redis-server package (${sudo:+sudo }$install)"
  if ! { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
         && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null; } || ! have_redis; then
    echo "error: could not install redis-server; run: ${sudo:+sudo }$install" >&2
    exit 2
  fi
  echo "installed $(redis-server --version | cut -d' ' -f1-3)"
}

# Installs one Debian package when its command is missing (used for stress-ng).
ensure_tool() {
  command -v "$1" >/dev/null 2>&1 && return 0
  local sudo=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
  echo "$1 not found: installing Debian's $2 package"
  { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; } \
    && command -v "$1" >/dev/null 2>&1 || { echo "error: could not install $2; run: ${sudo:+sudo }apt-get install -y $2" >&2; exit 2; }
}

run_tests() {
  local out="$ROOT/results/test-results" stress=0 docker=1 args=()
  for a in "$@"; do
    case "$a" in
      --stress) stress=1 ;;
      --no-docker) docker=0 ;;
      *) args+=("$a") ;;
    esac
  done
  rm -rf "$out"; mkdir -p "$out"
  # The tests start clusters both ways: local processes always, containers where Docker can run.
  ensure_redis
  if [ "$docker" -eq 1 ]; then
    # Docker where it can run (installed and started with no bridge, loopback only; a local redis:7.2 image when no
    # registry answers), so the Testcontainers tests run; where it cannot, they are reported as skipped.
    bash tests/docker/prepare.sh || echo "Docker is not usable here: the Testcontainers tests will be reported as skipped"
  else
    echo "--no-docker: Docker is not started; the cluster runs as local processes unless a daemon already answers"
  fi
  dotnet build Bench.sln -c Release -nologo -v:q || { echo "build failed"; echo "0 passed, 1 failed"; return 1; }
  if [ "$stress" -eq 1 ]; then
    ensure_tool stress-ng stress-ng
    # Two CPU hogs beside the whole suite (bounded: CI's 90 minutes), stopped when the tests end.
    stress-ng --cpu 2 --timeout 5400s --quiet &
    STRESS_PID=$!
    trap '[ -n "${STRESS_PID:-}" ] && kill "$STRESS_PID" 2>/dev/null' EXIT
    echo "--stress: stress-ng --cpu 2 is running beside the tests (pid $STRESS_PID)"
  fi
  # One test assembly at a time: several start a real cluster and the load tests need the CPU to themselves.
  dotnet test Bench.sln -c Release --no-build -m:1 --logger "trx;LogFilePrefix=tests" --logger "console;verbosity=normal" --results-directory "$out" ${args[@]+"${args[@]}"}
  local rc=$?
  if [ -n "${STRESS_PID:-}" ]; then kill "$STRESS_PID" 2>/dev/null; wait "$STRESS_PID" 2>/dev/null; STRESS_PID=""; fi
  local passed=0 failed=0 skipped=0 total=0
  for f in "$out"/*.trx; do
    [ -e "$f" ] || continue
    local counters; counters=$(grep -o '<Counters [^>]*>' "$f" | head -1)
    n() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
    local t p fl e s
    t=$(n total); p=$(n passed); fl=$(n failed); e=$(n error)
    # xunit's skipped tests are results with outcome NotExecuted; the summary's notExecuted counter stays 0.
    s=$(grep -o '<UnitTestResult [^>]*outcome="NotExecuted"' "$f" | wc -l)
    total=$((total + ${t:-0})); passed=$((passed + ${p:-0})); failed=$((failed + ${fl:-0} + ${e:-0})); skipped=$((skipped + ${s:-0}))
  done
  # A crashed test host leaves fewer results than tests: count the shortfall as failures.
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  if [ "$total" -eq 0 ]; then echo "no tests ran"; failed=$((failed == 0 ? 1 : failed)); fi
  # The failed tests' names and the first line of each one's message just above the counts, where a CI log's tail
  # shows them.
  for f in "$out"/*.trx; do
    [ -e "$f" ] || continue
    awk '/<UnitTestResult [^>]*outcome="Failed"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); want = 1 }
         want && /<Message>/ { sub(/.*<Message>/, ""); sub(/<\/Message>.*/, ""); print "failed: " name " | " substr($0, 1, 400); want = 0 }' "$f" \
      | sed 's/&#xD;//g; s/&quot;/"/g; s/&apos;/'"'"'/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g'
  done | head -n 20
  leftover=$(pgrep -c redis-server || true)
  [ "${leftover:-0}" -gt 0 ] && echo "warning: $leftover redis-server process(es) still running after the tests"
  echo "$passed passed, $failed failed, $skipped skipped"
  [ "$failed" -eq 0 ]
}

case "${1:-}" in
  test) shift; run_tests "$@"; exit $? ;;
  -h|--help|help) sed -n '2,10p' "$0"; exec dotnet run -c Release --project src/Cli -- run --help ;;
esac

ensure_redis containers-ok
dotnet build Bench.sln -c Release -nologo -v:q || { echo "error: build failed"; exit 1; }
exec dotnet src/Cli/bin/Release/net10.0/hashtag-bench.dll run "$@"
