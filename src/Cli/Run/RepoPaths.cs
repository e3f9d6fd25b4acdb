namespace HashtagBench.Cli.Run;

/// <summary>Finds the repository root and the built entry points next to this one (same configuration).</summary>
internal sealed class RepoPaths
{
    private RepoPaths(string root, string configuration)
    {
        Root = root;
        Configuration = configuration;
    }

    public string Root { get; }
    public string Configuration { get; }

    public string BenchDll => Built("bench", "Bench.dll");
    public string Baseline => Path.Combine(Root, "results", "baseline");

    public static RepoPaths Locate()
    {
        string baseDir = AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(baseDir); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Bench.sln")))
            {
                // .../bin/<Configuration>/net10.0/ → the configuration the runner itself was built in.
                string config = new DirectoryInfo(baseDir.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Release";
                return new RepoPaths(dir.FullName, config is "Debug" or "Release" ? config : "Release");
            }
        }
        throw new DirectoryNotFoundException($"Cannot find Bench.sln above {baseDir}; run from a checkout of hashtag-bench.");
    }

    private string Built(string project, string dll)
    {
        string path = Path.Combine(Root, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{dll} is not built ({path}). Run: dotnet build Bench.sln -c {Configuration}");
    }
}
