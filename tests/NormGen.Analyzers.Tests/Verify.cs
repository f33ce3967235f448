using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace NormGen.Analyzers.Tests;

/// <summary>
/// Runs an analyzer (and optionally its fix) over test code that uses TorchSharp. Diagnostics are
/// marked in the source with <c>{|NGA001:...|}</c>; markup with a severity is checked too.
/// </summary>
internal static class Verify<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static Task AnalyzerAsync(string source, string? editorConfig = null, bool withTorchSharp = true) =>
        CodeFixAsync<EmptyCodeFixProvider>(source, fixedSource: null, editorConfig, withTorchSharp);

    /// <summary>Checks the diagnostics marked <c>{|#0:...|}</c> against <paramref name="expected"/> (severity and message included).</summary>
    public static Task AnalyzerAsync(string source, DiagnosticResult[] expected, string? editorConfig = null) =>
        CodeFixAsync<EmptyCodeFixProvider>(source, fixedSource: null, editorConfig, expected: expected);

    /// <param name="equivalenceKey">Which of several code actions to apply; the first when null.</param>
    public static Task CodeFixAsync<TCodeFix>(string source, string? fixedSource, string? editorConfig = null, bool withTorchSharp = true, string? equivalenceKey = null, DiagnosticResult[]? expected = null)
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            TestCode = source,
            ReferenceAssemblies = TestReferences.Net80,
        };
        test.TestState.AdditionalReferences.Add(TestReferences.NormGen);
        if (withTorchSharp)
        {
            test.TestState.AdditionalReferences.Add(TestReferences.TorchSharp);
        }

        if (editorConfig is not null)
        {
            test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n[*]\n" + editorConfig));
        }

        if (fixedSource is not null)
        {
            test.FixedCode = fixedSource;
        }

        if (equivalenceKey is not null)
        {
            test.CodeActionEquivalenceKey = equivalenceKey;
        }

        if (expected is not null)
        {
            test.ExpectedDiagnostics.AddRange(expected);
        }

        return test.RunAsync(CancellationToken.None);
    }
}
