#!/usr/bin/env pwsh
# hashtag-bench runner (PowerShell twin of run-bench.sh): a thin wrapper over the hashtag-bench executable.
#   ./run-bench.ps1 test              install what the tests need, build, run every test project;
#                                     last line "N passed, N failed, N skipped"
#        test --stress                the same with `stress-ng --cpu 2` loading the machine throughout
#        test --no-docker             the same without starting Docker
#   ./run-bench.ps1 [run options]     the one-command benchmark + load + simulation run (see docs/run.md)
# Where redis-server is missing it installs it with apt-get (Linux, sudo when not root), as run-bench.sh does;
# elsewhere it says what to install and exits 2.
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'; $env:DOTNET_NOLOGO = '1'

function Test-Redis { (Get-Command redis-server -ErrorAction SilentlyContinue) -and (Get-Command redis-cli -ErrorAction SilentlyContinue) }
function Test-DockerRedisImage {
    if (-not (Get-Command docker -ErrorAction SilentlyContinue)) { return $false }
    docker image inspect redis:7.2 *> $null; return $LASTEXITCODE -eq 0
}

function Confirm-Redis([bool]$containersOk) {
    if (Test-Redis) { return }
    if ($containersOk -and (Test-DockerRedisImage)) { Write-Output 'redis-server is not installed; a Docker daemon with the redis:7.2 image answers, so the cluster runs in containers'; return }
    $install = 'apt-get install -y redis-server redis-tools'
    if (-not (Get-Command apt-get -ErrorAction SilentlyContinue)) {
        [Console]::Error.WriteLine('error: redis-server/redis-cli 7+ are needed. Install them (Windows: Docker Desktop, or Redis in WSL; macOS: brew install redis), then run this again.')
        exit 2
    }
    $asRoot = (& id -u) -eq '0'
    if (-not $asRoot -and -not (Get-Command sudo -ErrorAction SilentlyContinue)) {
        [Console]::Error.WriteLine("error: redis-server/redis-cli are needed; as root, run: $install"); exit 2
    }
    Write-Output "redis-server/redis-cli not found and no Docker daemon with a Redis image answers: installing Debian's redis-server package ($(if ($asRoot) { '' } else { 'sudo ' })$install)"
    if ($asRoot) {
        env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools
    } else {
        sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools
    }
    if (-not (Test-Redis)) { [Console]::Error.WriteLine("error: could not install redis-server; run: $install"); exit 2 }
}

if ($args.Count -gt 0 -and $args[0] -eq 'test') {
    $out = Join-Path $PSScriptRoot 'results/test-results'
    if (Test-Path $out) { Remove-Item -Recurse -Force $out }
    $rest = @($args | Select-Object -Skip 1)
    $stress = $rest -contains '--stress'; $docker = -not ($rest -contains '--no-docker')
    $rest = @($rest | Where-Object { $_ -ne '--stress' -and $_ -ne '--no-docker' })
    Confirm-Redis $false
    if ($docker -and (Test-Path tests/docker/prepare.sh)) {
        & bash tests/docker/prepare.sh
        if ($LASTEXITCODE -ne 0) { Write-Output 'Docker is not usable here: the Testcontainers tests will be reported as skipped' }
    } elseif (-not $docker) { Write-Output '--no-docker: Docker is not started; the cluster runs as local processes unless a daemon already answers' }
    dotnet build Bench.sln -c Release -nologo -v:q
    if ($LASTEXITCODE -ne 0) { Write-Output 'build failed'; Write-Output '0 passed, 1 failed'; exit 1 }
    $hog = $null
    if ($stress) {
        if (-not (Get-Command stress-ng -ErrorAction SilentlyContinue)) { [Console]::Error.WriteLine('error: --stress needs stress-ng (apt-get install -y stress-ng)'); exit 2 }
        $hog = Start-Process stress-ng -ArgumentList '--cpu', '2', '--timeout', '5400s', '--quiet' -PassThru
        Write-Output "--stress: stress-ng --cpu 2 is running beside the tests (pid $($hog.Id))"
    }
    try {
        dotnet test Bench.sln -c Release --no-build -m:1 --logger 'trx;LogFilePrefix=tests' --logger 'console;verbosity=normal' --results-directory $out @rest
        $rc = $LASTEXITCODE
    } finally { if ($hog) { Stop-Process -Id $hog.Id -ErrorAction SilentlyContinue } }
    $passed = 0; $failed = 0; $skipped = 0; $total = 0
    foreach ($f in Get-ChildItem $out -Filter *.trx) {
        $trx = [xml](Get-Content $f.FullName)
        $c = $trx.TestRun.ResultSummary.Counters
        $total += [int]$c.total; $passed += [int]$c.passed; $failed += [int]$c.failed + [int]$c.error
        # xunit's skipped tests are results with outcome NotExecuted; the summary's notExecuted counter stays 0.
        $skipped += @($trx.TestRun.Results.UnitTestResult | Where-Object { $_.outcome -eq 'NotExecuted' }).Count
    }
    # The failed tests' names and the first line of each one's message just above the counts, where a CI log's tail
    # shows them.
    foreach ($f in Get-ChildItem $out -Filter *.trx) {
        ([xml](Get-Content $f.FullName)).TestRun.Results.UnitTestResult | Where-Object { $_.outcome -eq 'Failed' } |
            Select-Object -First 20 | ForEach-Object {
                $first = "$($_.Output.ErrorInfo.Message)".Split("`n")[0].TrimEnd("`r")
                Write-Output "failed: $($_.testName) | $($first.Substring(0, [Math]::Min(400, $first.Length)))"
            }
    }
    if ($rc -ne 0 -and $failed -eq 0) { $failed = 1 }
    if ($total -eq 0) { Write-Output 'no tests ran'; if ($failed -eq 0) { $failed = 1 } }
    Write-Output "$passed passed, $failed failed, $skipped skipped"
    exit ([int]($failed -ne 0))
}

Confirm-Redis $true
dotnet build Bench.sln -c Release -nologo -v:q
if ($LASTEXITCODE -ne 0) { [Console]::Error.WriteLine('error: build failed'); exit 1 }
dotnet src/Cli/bin/Release/net10.0/hashtag-bench.dll run @args
exit $LASTEXITCODE
