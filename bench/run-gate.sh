#!/usr/bin/env bash
# A full run of the CPU-bound suites for `compare` and the committed history (the pull-request gate is `bench gate`,
# which runs base and head in the same run: docs/benchmarks.md). The suites (1-3: slots, key formatting, slot guard) as a short
# job with 15 iterations, enough samples for compare's Mann-Whitney test. Suite 1's StackExchange.Redis baseline
# starts a local cluster, so redis-server must be installed.
#   bench/run-gate.sh <artifacts dir> [repo root]
#   e.g. bench/run-gate.sh results/bench/ci            then: compare --base results/baseline/gate --diff results/bench/ci
set -euo pipefail
out=${1:?usage: bench/run-gate.sh <artifacts dir> [repo root]}
root=${2:-"$(cd "$(dirname "$0")/.." && pwd)"}
exec dotnet run -c Release --project "$root/bench" -- \
  --filter '*SlotBenchmarks*' '*KeyFormatBenchmarks*' '*SlotGuardBenchmarks*' \
  --job short --iterationCount 15 --artifacts "$out"
