using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using NormGen.Analyzers.Rules;

namespace NormGen.Analyzers.Tests;

/// <summary>Every analyzer of the package at once, as a project that references NormGen gets them.</summary>
internal sealed class AllAnalyzersTest : CSharpAnalyzerTest<GroupNormDivisibilityAnalyzer, DefaultVerifier>
{
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } = typeof(GroupNormDivisibilityAnalyzer).Assembly
        .GetTypes()
        .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract)
        .Select(t => (DiagnosticAnalyzer)System.Activator.CreateInstance(t)!)
        .ToImmutableArray();

    public AllAnalyzersTest(string source)
    {
        TestCode = source;
        ReferenceAssemblies = TestReferences.Net80;
        TestState.AdditionalReferences.Add(TestReferences.TorchSharp);
        TestState.AdditionalReferences.Add(TestReferences.NormGen);
    }

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => Analyzers;
}
