using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace NormGen.Analyzers.Tests;

/// <summary>
/// samples/Pitfalls built for real with <c>dotnet build</c>, as a newcomer would: every rule of the
/// package shows in the output, and nothing else does.
/// </summary>
[Trait("Category", "Sample")]
public sealed class PitfallsSampleTests
{
    private static readonly Regex Diagnostic = new(@"\b(?<severity>warning|error) (?<id>[A-Z]+[0-9]+)\s*:", RegexOptions.Compiled);

    [Fact]
    public void Dotnet_build_of_the_pitfalls_sample_shows_every_rule_and_no_other_warning()
    {
        Assembly tests = typeof(PitfallsSampleTests).Assembly;
        string root = tests.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
        string configuration = tests.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value!;
        string sample = Path.Combine(root, "samples", "Pitfalls");

        // An up-to-date build skips the compiler and prints nothing: remove the sample's own
        // intermediate assembly so that it compiles again (its references stay as built).
        File.Delete(Path.Combine(sample, "obj", configuration, "net10.0", "Pitfalls.dll"));

        (int exitCode, string output) = DotNetCommand.Run(
            sample,
            TimeSpan.FromMinutes(8),
            "build", "Pitfalls.csproj", "-c", configuration, "-nodeReuse:false", "-p:UseSharedCompilation=false");
        Assert.True(exitCode == 0, output);

        var reported = Diagnostic.Matches(output).Select(m => (Severity: m.Groups["severity"].Value, Id: m.Groups["id"].Value)).Distinct().ToArray();
        string[] expected = AllAnalyzersTest.Analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Distinct().OrderBy(id => id).ToArray();

        Assert.Equal(expected, reported.Where(d => d.Id.StartsWith("NGA", StringComparison.Ordinal)).Select(d => d.Id).Distinct().OrderBy(id => id).ToArray());
        Assert.All(reported, d => Assert.Equal("warning", d.Severity));
        Assert.DoesNotContain(reported, d => !d.Id.StartsWith("NGA", StringComparison.Ordinal));
    }
}
