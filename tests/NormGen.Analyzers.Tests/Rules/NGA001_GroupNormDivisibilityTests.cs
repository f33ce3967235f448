using System.Threading.Tasks;
using NormGen.Analyzers.CodeFixes;
using NormGen.Analyzers.Rules;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verifier = NormGen.Analyzers.Tests.Verify<NormGen.Analyzers.Rules.GroupNormDivisibilityAnalyzer>;

namespace NormGen.Analyzers.Tests.Rules;

public class NGA001_GroupNormDivisibilityTests
{
    [Fact]
    public Task Groups_that_do_not_divide_the_channels_are_an_error() => Verifier.AnalyzerAsync("""
        using TorchSharp;
        using static TorchSharp.torch;

        static class Blocks
        {
            public static nn.Module<Tensor, Tensor> Norm() => nn.GroupNorm({|NGA001:32|}, 48);
            public static nn.Module<Tensor, Tensor> Named() => nn.GroupNorm(num_channels: 100, num_groups: {|NGA001:8|});
            public static nn.Module<Tensor, Tensor> Zero() => nn.GroupNorm({|NGA001:0|}, 64);
        }
        """);

    [Fact]
    public Task Message_names_the_counts_and_the_suggestion()
    {
        var test = new CSharpAnalyzerTest<GroupNormDivisibilityAnalyzer, DefaultVerifier>
        {
            TestCode = """
                using TorchSharp;
                class M { object N() => torch.nn.GroupNorm(32, 48); }
                """,
            ReferenceAssemblies = TestReferences.Net80,
        };
        test.TestState.AdditionalReferences.Add(TestReferences.TorchSharp);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(DiagnosticDescriptors.GroupsDoNotDivideChannels)
            .WithSpan(2, 44, 2, 46)
            .WithArguments(32L, 48L, 24L));
        return test.RunAsync();
    }

    [Fact]
    public Task Dividing_counts_computed_counts_and_other_modules_are_left_alone() => Verifier.AnalyzerAsync("""
        using TorchSharp;
        using static TorchSharp.torch;

        class ResNeXtBlock : nn.Module<Tensor, Tensor>
        {
            private readonly nn.Module<Tensor, Tensor> n1 = nn.GroupNorm(32, 256);
            private readonly nn.Module<Tensor, Tensor> n2 = nn.GroupNorm(1, 3, eps: 1e-6);
            private readonly nn.Module<Tensor, Tensor> n3;
            private readonly nn.Module<Tensor, Tensor> bn = nn.BatchNorm2d(30);

            public ResNeXtBlock(int channels, int groups) : base("block")
            {
                // Only known at run time: PyTorch checks it when the block is built.
                n3 = nn.GroupNorm(groups, channels);
                RegisterComponents();
            }

            public override Tensor forward(Tensor x) => n3.forward(n2.forward(n1.forward(x)));
        }
        """);

    [Fact]
    public Task Nothing_happens_without_TorchSharp() => Verifier.AnalyzerAsync("""
        static class nn { public static object GroupNorm(long num_groups, long num_channels) => new object(); }
        class C { object M() => nn.GroupNorm(32, 48); }
        """, withTorchSharp: false);

    [Theory]
    [InlineData(48, 32, 24)]
    [InlineData(64, 32, 32)]
    [InlineData(100, 8, 10)]
    [InlineData(12, 5, 4)]
    [InlineData(7, 2, 1)]
    [InlineData(64, 0, 1)]
    [InlineData(30, 100, 30)]
    public void Nearest_divisor_prefers_the_smaller_of_two_equally_close(long channels, long groups, long expected) =>
        Assert.Equal(expected, GroupNormDivisibilityAnalyzer.NearestDivisor(channels, groups));

    [Fact]
    public Task Fix_uses_the_nearest_divisor_and_keeps_names_and_trivia() => Verifier.CodeFixAsync<GroupNormDivisibilityCodeFixProvider>("""
        using TorchSharp;

        static class Blocks
        {
            public static object A() => torch.nn.GroupNorm( {|NGA001:32|} /* groups */, 48);
            public static object B() => torch.nn.GroupNorm(num_channels: 100, num_groups: {|NGA001:8|});
        }
        """, """
        using TorchSharp;

        static class Blocks
        {
            public static object A() => torch.nn.GroupNorm( 24 /* groups */, 48);
            public static object B() => torch.nn.GroupNorm(num_channels: 100, num_groups: 10);
        }
        """);
}
