using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Diagnostics;
using NormGen.Generators.Diagnostics;

namespace NormGen.Generators.Tests.Infrastructure;

/// <summary>Checks a diagnostics case from both sides: the analyzer's report and the generator's output.</summary>
internal static class DiagnosticVerifier
{
    /// <summary>
    /// Runs the analyzer on <paramref name="markup"/> and the generator on the same code without
    /// the markup, and checks that the generator emitted exactly <paramref name="emitted"/>
    /// (as <c>Model.Kernel</c>; see <see cref="GeneratorRun.AssertEmitted"/>), cleanly.
    /// </summary>
    public static async Task VerifyAsync(string markup, string[] emitted, bool allowUnsafe = true)
    {
        await new NormAttributeAnalyzerTest(allowUnsafe) { TestCode = markup }.RunAsync();

        GeneratorRun run = await GeneratorRun.OfAsync(Markup.Strip(markup), allowUnsafe);
        run.AssertCleanRun();
        run.AssertEmitted(emitted);
    }

    /// <summary>The analyzer's messages for <paramref name="source"/>, in the invariant culture.</summary>
    public static async Task<List<string>> AnalyzerMessagesAsync(string source)
    {
        var compilation = await TestCompilation.CreateAsync(source);
        var diagnostics = await compilation
            .WithAnalyzers([new NormAttributeAnalyzer()])
            .GetAnalyzerDiagnosticsAsync();
        return diagnostics.Select(d => d.GetMessage(CultureInfo.InvariantCulture)).ToList();
    }
}
