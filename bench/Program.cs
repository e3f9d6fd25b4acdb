using HashtagBench.Bench;

// bench: BenchmarkDotNet suites (every [Benchmark] class in this assembly) and the `compare` regression gate.
return BenchCli.Run(args);
