using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using NormGen.Analyzers.Rules;
using Xunit;
using Verifier = NormGen.Analyzers.Tests.Verify<NormGen.Analyzers.Rules.EpsilonRangeAnalyzer>;

namespace NormGen.Analyzers.Tests.Rules;

public class NGA003_EpsilonRangeTests
{
    [Fact]
    public Task Invalid_eps_on_factories_is_an_error_and_extreme_eps_a_warning()
    {
        var test = new CSharpAnalyzerTest<EpsilonRangeAnalyzer, DefaultVerifier>
        {
            TestCode = """
                using TorchSharp;
                using static TorchSharp.torch;

                static class Layers
                {
                    public static object A() => nn.LayerNorm(768, eps: {|#0:0|});
                    public static object B() => nn.BatchNorm2d(64, {|#1:-1e-5|});
                    public static object C() => nn.GroupNorm(32, 64, eps: {|#2:double.NaN|});
                    public static object D() => nn.InstanceNorm2d(64, eps: {|#3:double.PositiveInfinity|});
                    public static object E() => nn.LayerNorm(new long[] { 64, 8, 8 }, eps: {|#4:1e-12|});
                    public static object F() => nn.BatchNorm1d(64, eps: {|#5:0.1|});
                    public static object G() => nn.InstanceNorm3d(64, eps: {|#6:1|});
                }
                """,
            ReferenceAssemblies = TestReferences.Net80,
        };
        test.TestState.AdditionalReferences.Add(TestReferences.TorchSharp);
        test.ExpectedDiagnostics.AddRange(
        [
            Expected(0, DiagnosticSeverity.Error, "0"),
            Expected(1, DiagnosticSeverity.Error, "-1E-05"),
            Expected(2, DiagnosticSeverity.Error, "NaN"),
            Expected(3, DiagnosticSeverity.Error, "Infinity"),
            Expected(4, DiagnosticSeverity.Warning, "1E-12"),
            Expected(5, DiagnosticSeverity.Warning, "0.1"),
            Expected(6, DiagnosticSeverity.Warning, "1"),
        ]);
        return test.RunAsync();

        static DiagnosticResult Expected(int marker, DiagnosticSeverity severity, string eps) =>
            new DiagnosticResult(Analyzers.DiagnosticDescriptors.EpsilonOutOfRange)
                .WithLocation(marker)
                .WithSeverity(severity)
                .WithMessage(null)
                .WithArguments(eps, severity == DiagnosticSeverity.Error
                    ? "is not a positive, finite number: the norm divides by zero or produces NaN; use 1e-5"
                    : eps.StartsWith("1E-") ? "is below 1e-8 and vanishes next to a float32 variance, so it no longer protects against constant inputs; use 1e-5 (1e-6 for RMSNorm)"
                    : "is above 1e-2 and visibly biases the normalized output towards zero; use 1e-5");
    }

    [Fact]
    public Task Usual_eps_defaults_and_computed_eps_are_left_alone() => Verifier.AnalyzerAsync("""
        using TorchSharp;
        using static TorchSharp.torch;

        static class Layers
        {
            private const double Eps = 1e-6;

            public static object A() => nn.LayerNorm(768);
            public static object B() => nn.LayerNorm(768, eps: 1e-5);
            public static object C() => nn.LayerNorm(768, Eps);
            public static object D() => nn.BatchNorm2d(64, eps: 1e-3);
            public static object E() => nn.BatchNorm1d(64, eps: 1e-2);
            public static object F() => nn.GroupNorm(32, 64, 1e-8);
            public static object G(double eps) => nn.InstanceNorm1d(64, eps: eps);
            // Not a norm: Adam's eps is a different quantity.
            public static object H(TorchSharp.Modules.Linear l) => optim.Adam(l.parameters(), eps: 1e-12);
        }
        """);

    [Fact]
    public Task Attributes_get_the_range_warning_but_not_what_NG0009_reports() => Verifier.AnalyzerAsync("""
        using System;
        using NormGen;

        [TensorLayout("B,T,D")]
        [LayerNorm("tiny", Axes = "D", Shape = [64], Eps = {|NGA003:1e-12|})]
        [LayerNorm("huge", Axes = "D", Shape = [64], Eps = {|NGA003:0.5|})]
        [RmsNorm("fine", Axes = "D", Shape = [64], Eps = 1e-6)]
        [RmsNorm("machineEpsilon", Axes = "D", Shape = [64])]
        // NG0009 territory (the generator reports these): zero, negative, NaN, zero as a float.
        [LayerNorm("zero", Axes = "D", Shape = [64], Eps = 0)]
        [LayerNorm("negative", Axes = "D", Shape = [64], Eps = -1)]
        [LayerNorm("nan", Axes = "D", Shape = [64], Eps = double.NaN)]
        [RmsNorm("underflowsInFloat", Axes = "D", Shape = [64], Eps = 1e-50)]
        // Representable in double, so only the range warning applies.
        [RmsNorm("doubleTiny", Axes = "D", Shape = [64], ElementType = typeof(double), Eps = {|NGA003:1e-50|})]
        partial class Block { }

        [TensorLayout("N,C=64,H=8,W=8")]
        [BatchNorm("bn", Eps = {|NGA003:0.1|})]
        [GroupNorm("gn", 8, Eps = 1e-5)]
        partial class Conv { }
        """, withTorchSharp: false);
}
