using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using NormGen.Generators.Diagnostics;
using NormGen.Generators.Tests.Infrastructure;
using Xunit;

namespace NormGen.Generators.Tests;

/// <summary>
/// Every rule has a page under <c>docs/diagnostics/</c> that its help link points to, listed in the
/// index, and the examples on the page stay true: the bad one triggers the rule, the fixed one doesn't.
/// </summary>
public sealed partial class DiagnosticDocumentationTests
{
    private static readonly string DocsDirectory = Path.Combine(BuildMetadata.Get("RepositoryRoot"), "docs", "diagnostics");

    public static TheoryData<string> RuleIds => [.. Rules.Select(rule => rule.Id)];

    private static ImmutableArray<DiagnosticDescriptor> Rules => new NormAttributeAnalyzer().SupportedDiagnostics;

    [Fact]
    public void Rules_are_numbered_NG0001_to_NG0024_without_gaps()
    {
        Assert.Equal(Enumerable.Range(1, 24).Select(n => $"NG{n:D4}"), Rules.Select(rule => rule.Id).Order());
    }

    [Fact]
    public void The_index_lists_every_page_and_nothing_else()
    {
        string index = File.ReadAllText(Path.Combine(DocsDirectory, "README.md"));
        IEnumerable<string> listed = IndexEntry().Matches(index).Select(m => m.Groups[1].Value);
        IEnumerable<string> pages = Directory.GetFiles(DocsDirectory, "NG*.md").Select(Path.GetFileNameWithoutExtension)!;

        Assert.Equal(Rules.Select(rule => rule.Id).Order(), listed);
        Assert.Equal(Rules.Select(rule => rule.Id).Order(), pages.Order());
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Each_rule_links_to_its_page_which_has_its_title_and_is_in_the_index(string id)
    {
        DiagnosticDescriptor rule = Rules.Single(r => r.Id == id);
        Assert.Equal($"https://github.com/normgen/normgen/blob/main/docs/diagnostics/{id}.md", rule.HelpLinkUri);

        string page = File.ReadAllText(Path.Combine(DocsDirectory, id + ".md"));
        Assert.StartsWith($"# {id}: {rule.Title}\n", page);

        string index = File.ReadAllText(Path.Combine(DocsDirectory, "README.md"));
        Assert.Contains($"| [{id}]({id}.md) | {rule.Title} |", index);
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public async Task Each_pages_examples_do_what_the_page_says(string id)
    {
        string page = File.ReadAllText(Path.Combine(DocsDirectory, id + ".md"));
        bool allowUnsafe = id != "NG0014";

        List<string> bad = CSharpBlocks(Section(page, "Example that triggers it"));
        Assert.NotEmpty(bad);
        foreach (string example in bad)
        {
            // The rule, and only the rule the page is about.
            IEnumerable<string> ids = await AnalyzerIdsAsync(example, allowUnsafe);
            Assert.Contains(id, ids);
            Assert.All(ids, reported => Assert.Equal(id, reported));
        }

        // NG0014's fix is in the project file; its page shows no fixed C#.
        foreach (string example in CSharpBlocks(Section(page, "Fixed")))
        {
            Assert.Empty(await AnalyzerIdsAsync(example, allowUnsafe: true));
        }
    }

    private static async Task<IEnumerable<string>> AnalyzerIdsAsync(string example, bool allowUnsafe)
    {
        var compilation = await TestCompilation.CreateAsync("using NormGen;\n" + example, allowUnsafe);

        // Examples are code a reader could paste: the compiler has nothing to say about them.
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));

        ImmutableArray<Diagnostic> diagnostics = await compilation
            .WithAnalyzers([new NormAttributeAnalyzer()])
            .GetAnalyzerDiagnosticsAsync();
        return diagnostics.Select(d => d.Id);
    }

    private static string Section(string page, string heading)
    {
        int start = page.IndexOf("## " + heading + "\n", System.StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section '{heading}'");
        int end = page.IndexOf("\n## ", start + 3, System.StringComparison.Ordinal);
        return end < 0 ? page[start..] : page[start..end];
    }

    private static List<string> CSharpBlocks(string markdown) =>
        CSharpBlock().Matches(markdown).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex("```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"^\| \[(NG\d{4})\]", RegexOptions.Multiline)]
    private static partial Regex IndexEntry();
}
