using Markdig;
using Markdig.Renderers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace HashtagBench.Reporting;

/// <summary>
/// Folds one report's Markdown into another and turns the result into a standalone page. Headings and images are
/// found through Markdig's syntax tree, so a '#' in a code block or a table, or an image inside a code span, is
/// never touched; the source text is edited only at the places the tree points to, so everything else stays as
/// written.
/// </summary>
public static class MarkdownFolding
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().UsePreciseSourceLocation().Build();

    /// <summary>
    /// Demotes every heading by <paramref name="levels"/> (at most to level 6) and passes each local image's URL
    /// through <paramref name="rewriteImage"/> (null keeps it). Links that are not images, and remote images
    /// (http:, https:, data:, //host), are left alone.
    /// </summary>
    public static string Rebase(string markdown, int levels, Func<string, string?> rewriteImage)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(levels);
        MarkdownDocument doc = Markdown.Parse(markdown, Pipeline);
        var edits = new List<(int Start, int Length, string Text)>();
        if (levels > 0)
            foreach (HeadingBlock h in doc.Descendants<HeadingBlock>())
            {
                int level = Math.Min(6, h.Level + levels);
                if (level == h.Level) continue;
                if (!h.IsSetext)
                {
                    // Insert the extra '#'s in front of the existing ones.
                    int hash = markdown.IndexOf('#', h.Span.Start);
                    if (hash >= 0 && hash <= h.Span.End) edits.Add((hash, 0, new string('#', level - h.Level)));
                }
                else
                {
                    // "Title\n=====" has no deeper form: rewrite it as an ATX heading with the same text.
                    string[] lines = markdown.Substring(h.Span.Start, h.Span.Length).Split('\n');
                    string text = string.Join(' ', lines[..^1].Select(l => l.Trim()));
                    edits.Add((h.Span.Start, h.Span.Length, $"{new string('#', level)} {text}"));
                }
            }
        foreach (LinkInline image in doc.Descendants<LinkInline>())
        {
            if (!image.IsImage || image.Url is not { } url || IsRemote(url) || image.UrlSpan.IsEmpty) continue;
            if (rewriteImage(url) is not { } replacement || replacement == url) continue;
            // The span may or may not include <...>; a new URL with spaces or parentheses needs them.
            SourceSpan span = image.UrlSpan;
            int start = span.Start, length = span.Length;
            bool bracketed = markdown[start] == '<' && markdown[span.End] == '>';
            if (bracketed) { start++; length -= 2; }
            bool needsBrackets = !bracketed && !image.UrlHasPointyBrackets && replacement.Any(c => char.IsWhiteSpace(c) || c is '(' or ')');
            edits.Add((start, length, needsBrackets ? $"<{replacement}>" : replacement));
        }
        var result = new System.Text.StringBuilder(markdown);
        foreach (var (start, length, text) in edits.OrderByDescending(e => e.Start))
            result.Remove(start, length).Insert(start, text);
        return result.ToString();
    }

    /// <summary>Markdown → an HTML fragment, with every local image (relative to <paramref name="baseDir"/>) inlined as a data URI.</summary>
    public static string ToHtml(string markdown, string baseDir)
    {
        MarkdownDocument doc = Markdown.Parse(markdown, Pipeline);
        foreach (LinkInline image in doc.Descendants<LinkInline>())
        {
            if (!image.IsImage || image.Url is not { } url || IsRemote(url)) continue;
            string path = Path.Combine(baseDir, Uri.UnescapeDataString(url));
            if (!File.Exists(path)) continue;
            image.Url = $"data:{Mime(path)};base64,{Convert.ToBase64String(File.ReadAllBytes(path))}";
        }
        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(doc);
        writer.Flush();
        return writer.ToString();
    }

    /// <summary>A URL with a scheme (http:, data:, mailto:) or a network path: not a file next to the report.</summary>
    public static bool IsRemote(string url)
    {
        if (url.StartsWith("//", StringComparison.Ordinal)) return true;
        int colon = url.IndexOf(':');
        // One letter before the colon is a Windows drive (C:\...), not a scheme.
        return colon > 1 && url[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.');
    }

    private static string Mime(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".svg" => "image/svg+xml",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".gif" => "image/gif",
        _ => "image/png",
    };
}
