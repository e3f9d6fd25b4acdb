using HdrHistogram;

namespace HashtagBench.Load.Engine;

/// <summary>The merged distributions of one or more HdrHistogram logs: latency of Ok and Fail calls, and the injector's lateness.</summary>
public sealed record MergedLogs(HistogramBase Ok, HistogramBase Fail, HistogramBase Lateness)
{
    /// <summary>The latency histograms alone, for callers that do not look at lateness.</summary>
    public void Deconstruct(out HistogramBase ok, out HistogramBase fail) => (ok, fail) = (Ok, Fail);
}

/// <summary>Exact merging of the HdrHistogram logs that load runs (or several load agents) write.</summary>
public static class HistogramLogs
{
    public const string OkTag = "ok", FailTag = "fail", LatenessTag = "lateness";

    /// <summary>
    /// Adds every interval histogram of every log, by tag: the exact combined distribution. Refuses a file given
    /// twice (it would count every call twice), a log with no histogram in it (nothing was measured), and a
    /// histogram whose tag is none of ok, fail, lateness: counting it as anything would mix distributions.
    /// </summary>
    public static MergedLogs Merge(IEnumerable<string> paths)
    {
        var merged = new MergedLogs(NewHistogram(), NewHistogram(), NewHistogram());
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string path in paths)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"No such log: {path}", path);
            if (!seen.Add(Path.GetFullPath(path))) throw new ArgumentException($"{path} is given twice: its calls would be counted twice.");
            using FileStream fs = File.OpenRead(path);
            using var reader = new HistogramLogReader(fs);
            int histograms = 0;
            string? unknownTag = null;
            try
            {
                foreach (HistogramBase h in reader.ReadHistograms())
                {
                    HistogramBase? into = Route(merged, h.Tag);
                    if (into is null) { unknownTag = h.Tag ?? ""; break; }
                    into.Add(h);
                    histograms++;
                }
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException or InvalidOperationException)
            {
                throw new FormatException($"{path} is not a readable HdrHistogram log ({ex.Message}).", ex);
            }
            if (unknownTag is not null)
                throw new FormatException(unknownTag.Length == 0
                    ? $"{path} holds an untagged histogram: not a hashtag-bench load log (its histograms are tagged {OkTag}, {FailTag} or {LatenessTag})."
                    : $"{path} holds a histogram tagged '{unknownTag}': only {OkTag}, {FailTag} and {LatenessTag} can be merged.");
            if (histograms == 0) throw new FormatException($"{path} holds no histogram: that run measured nothing.");
        }
        return merged;
    }

    private static HistogramBase? Route(MergedLogs m, string? tag) => tag switch
    {
        OkTag => m.Ok,
        FailTag => m.Fail,
        LatenessTag => m.Lateness,
        _ => null,
    };

    private static HistogramBase NewHistogram() => new LongHistogram(Stats.HighestMicros, 3);
}
