using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using NormGen.Analyzers.Rules;
using Xunit;

namespace NormGen.Analyzers.Tests;

/// <summary>What every rule must have: a unique ID, a help link to its page, a page, a release entry.</summary>
public class RuleCatalogTests
{
    private static readonly string RepositoryRoot = typeof(RuleCatalogTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    private static DiagnosticDescriptor[] Descriptors { get; } = AllAnalyzersTest.Analyzers
        .SelectMany(a => a.SupportedDiagnostics)
        .ToArray();

    [Fact]
    public void Ids_are_unique_numbered_and_in_the_usage_category()
    {
        Assert.Equal(Descriptors.Length, Descriptors.Select(d => d.Id).Distinct().Count());
        Assert.All(Descriptors, d =>
        {
            Assert.Matches("^NGA[0-9]{3}$", d.Id);
            Assert.Equal("NormGen.Usage", d.Category);
            Assert.True(d.IsEnabledByDefault);
        });
    }

    [Fact]
    public void Every_rule_links_to_its_page_and_the_page_exists()
    {
        Assert.All(Descriptors, d =>
        {
            Assert.Equal($"https://github.com/normgen/normgen/blob/main/docs/analyzers/{d.Id}.md", d.HelpLinkUri);
            string page = Path.Combine(RepositoryRoot, "docs", "analyzers", d.Id + ".md");
            Assert.True(File.Exists(page), $"{page} is missing");
            string text = File.ReadAllText(page);
            Assert.StartsWith($"# {d.Id}: {d.Title}", text);
            Assert.Contains("## Bad", text);
            Assert.Contains("## Good", text);
            Assert.Contains("## How it decides", text);
            Assert.Contains("## Options", text);
        });
    }

    [Fact]
    public void Every_rule_is_in_the_release_tracking_file()
    {
        string unshipped = File.ReadAllText(Path.Combine(RepositoryRoot, "analyzers", "NormGen.Analyzers", "AnalyzerReleases.Unshipped.md"));
        Assert.All(Descriptors, d =>
            Assert.Contains($"{d.Id} | {d.Category} | {d.DefaultSeverity} | {d.Title}", unshipped));
    }

    [Fact]
    public void Every_rule_is_in_the_index() =>
        Assert.All(Descriptors, d =>
            Assert.Contains($"[{d.Id}]({d.Id}.md)", File.ReadAllText(Path.Combine(RepositoryRoot, "docs", "analyzers", "README.md"))));

    [Fact]
    public void Analyzers_reference_the_compiler_only_and_code_fixes_live_apart()
    {
        AssemblyName[] references = typeof(GroupNormDivisibilityAnalyzer).Assembly.GetReferencedAssemblies();
        Assert.DoesNotContain(references, r => r.Name!.Contains("Workspaces", StringComparison.Ordinal));
        Assert.Contains(references, r => r.Name == "Microsoft.CodeAnalysis.CSharp" && r.Version <= new Version(4, 8, 0, 0));
        Assert.Equal("netstandard", typeof(GroupNormDivisibilityAnalyzer).Assembly.GetReferencedAssemblies().Single(r => r.Name == "netstandard").Name);
    }
}
