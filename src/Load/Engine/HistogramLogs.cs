using HdrHistogram;

namespace HashtagBench.Load.Engine;

/// <summary>Exact merging of the HdrHistogram logs that load runs (or several load agents) write.</summary>
public static class HistogramLogs
{
    /// <summary>
    /// Adds every interval histogram of every log, by tag: the exact combined distribution. Refuses a file given
    /// twice (it would count every call twice) and a log with no histogram in it (nothing was measured).
    /// </summary>
    public static (HistogramBase Ok, HistogramBase Fail) Merge(IEnumerable<string> paths)
    {
        HistogramBase ok = new LongHistogram(Stats.HighestMicros, 3), fail = new LongHistogram(Stats.HighestMicros, 3);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string path in paths)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"No such log: {path}", path);
            if (!seen.Add(Path.GetFullPath(path))) throw new ArgumentException($"{path} is given twice: its calls would be counted twice.");
            using FileStream fs = File.OpenRead(path);
            using var reader = new HistogramLogReader(fs);
            int histograms = 0;
            try
            {
                foreach (HistogramBase h in reader.ReadHistograms())
                {
                    (h.Tag == "fail" ? fail : ok).Add(h);
                    histograms++;
                }
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException or InvalidOperationException)
            {
                throw new FormatException($"{path} is not a readable HdrHistogram log ({ex.Message}).", ex);
            }
            if (histograms == 0) throw new FormatException($"{path} holds no histogram: that run measured nothing.");
        }
        return (ok, fail);
    }
}
