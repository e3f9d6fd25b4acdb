namespace HashtagBench.Reporting.Tests;

public sealed class MarkdownFoldingTests
{
    private const string Report = """
        # Load: x

        ## Runs

        Text with a [link](chart.png) that is not an image, and ![remote](http://example.com/a.png).

        ![latency](latency.png)

        ```
        # not a heading
        ![not an image](code.png)
        ```

        | a | b |
        |---|---|
        | # cell | ![in table](t.png) |

        Setext title
        ============
        """;

    [Fact]
    public void Headings_shift_and_local_images_are_rewritten_everything_else_untouched()
    {
        var seen = new List<string>();
        string md = MarkdownFolding.Rebase(Report, 2, url => { seen.Add(url); return "load/x/" + url; });

        Assert.Contains("\n### Load: x\n", "\n" + md);
        Assert.Contains("\n#### Runs\n", md);
        Assert.Contains("### Setext title", md);
        Assert.DoesNotContain("====", md);
        Assert.Contains("![latency](load/x/latency.png)", md);
        Assert.Contains("![in table](load/x/t.png)", md);
        // Not images, remote, or inside code: left as written.
        Assert.Contains("[link](chart.png)", md);
        Assert.Contains("![remote](http://example.com/a.png)", md);
        Assert.Contains("# not a heading\n![not an image](code.png)", md);
        Assert.Contains("| # cell |", md);
        Assert.Equal(["latency.png", "t.png"], seen.Order());
    }

    [Fact]
    public void Headings_stop_at_level_six_and_urls_with_spaces_get_brackets()
    {
        string md = MarkdownFolding.Rebase("##### deep\n\n![c](c.png)\n", 3, _ => "my dir/c.png");
        Assert.StartsWith("###### deep", md);
        Assert.Contains("![c](<my dir/c.png>)", md);
        Assert.Equal("# same\n", MarkdownFolding.Rebase("# same\n", 0, _ => null));
    }

    [Fact]
    public void Html_inlines_local_images_only()
    {
        string dir = Directory.CreateTempSubdirectory("folding").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "load"));
            File.WriteAllBytes(Path.Combine(dir, "load", "chart.png"), [0x89, 0x50, 0x4E, 0x47]);
            File.WriteAllText(Path.Combine(dir, "load", "chart.svg"), "<svg/>");
            string html = MarkdownFolding.ToHtml(
                "![c](load/chart.png) ![s](load/chart.svg) ![r](https://example.com/r.png) ![gone](missing.png) [link](load/chart.png)", dir);

            Assert.Contains("src=\"data:image/png;base64,iVBORw==\"", html);
            Assert.Contains("src=\"data:image/svg+xml;base64,", html);
            Assert.Contains("src=\"https://example.com/r.png\"", html);
            Assert.Contains("src=\"missing.png\"", html); // nothing to inline: left as it was
            Assert.Contains("href=\"load/chart.png\"", html); // a link, not an image
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("http://x/a.png", true)]
    [InlineData("data:image/png;base64,AA", true)]
    [InlineData("//cdn/a.png", true)]
    [InlineData("chart.png", false)]
    [InlineData("../load/chart.png", false)]
    [InlineData(@"C:\r\chart.png", false)]
    public void Remote_means_a_scheme_or_a_network_path(string url, bool remote) => Assert.Equal(remote, MarkdownFolding.IsRemote(url));
}
