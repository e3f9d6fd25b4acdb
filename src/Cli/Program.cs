using HashtagBench.Cli;

// hashtag-bench: one executable, every verb (see HashtagBenchApp).
return await HashtagBenchApp.MainAsync(args);
