#!/usr/bin/env pwsh
# hashtag-bench runner (PowerShell twin of run-bench.sh): a thin wrapper over the .NET entry points.
#   ./run-bench.ps1 test              build and run every test project; last line "N passed, N failed"
#   ./run-bench.ps1 [run options]     the one-command benchmark + load + simulation run (see README)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'; $env:DOTNET_NOLOGO = '1'

if ($args.Count -gt 0 -and $args[0] -eq 'test') {
    $out = Join-Path $PSScriptRoot 'results/test-results'
    if (Test-Path $out) { Remove-Item -Recurse -Force $out }
    dotnet build Bench.sln -c Release -nologo -v:q
    if ($LASTEXITCODE -ne 0) { Write-Output 'build failed'; Write-Output '0 passed, 1 failed'; exit 1 }
    $rest = @($args | Select-Object -Skip 1)
    dotnet test Bench.sln -c Release --no-build -m:1 --logger 'trx;LogFilePrefix=tests' --logger 'console;verbosity=normal' --results-directory $out @rest
    $rc = $LASTEXITCODE
    $passed = 0; $failed = 0; $total = 0
    foreach ($f in Get-ChildItem $out -Filter *.trx) {
        $c = ([xml](Get-Content $f.FullName)).TestRun.ResultSummary.Counters
        $total += [int]$c.total; $passed += [int]$c.passed; $failed += [int]$c.failed + [int]$c.error
    }
    if ($rc -ne 0 -and $failed -eq 0) { $failed = 1 }
    if ($total -eq 0) { Write-Output 'no tests ran'; if ($failed -eq 0) { $failed = 1 } }
    Write-Output "$passed passed, $failed failed"
    exit ([int]($failed -ne 0))
}

dotnet build Bench.sln -c Release -nologo -v:q
if ($LASTEXITCODE -ne 0) { Write-Error 'build failed'; exit 1 }
dotnet run -c Release --no-build --project src/Cli -- run @args
exit $LASTEXITCODE
