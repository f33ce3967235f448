using System.Threading.Tasks;
using NormGen.Analyzers.CodeFixes;
using NormGen.Analyzers.Rules;
using Xunit;
using Verifier = NormGen.Analyzers.Tests.Verify<NormGen.Analyzers.Rules.KerasMomentumAnalyzer>;

namespace NormGen.Analyzers.Tests.Rules;

public class NGA002_KerasMomentumTests
{
    [Fact]
    public Task Keras_style_momentum_on_BatchNorm_factories_and_attributes_is_flagged() => Verifier.AnalyzerAsync("""
        using NormGen;
        using TorchSharp;
        using static TorchSharp.torch;

        static class Layers
        {
            private const double KerasMomentum = 0.99;

            public static object A() => nn.BatchNorm2d(64, momentum: {|NGA002:0.99|});
            public static object B() => nn.BatchNorm1d(128, 1e-3, {|NGA002:0.9|});
            public static object C() => nn.BatchNorm3d(8, momentum: {|NGA002:KerasMomentum|});
            public static object D() => nn.BatchNorm2d(8, momentum: {|NGA002:0.5|});
        }

        [TensorLayout("N,C=64,H=8,W=8")]
        [BatchNorm("bn", Momentum = {|NGA002:0.99|})]
        partial class Block { }
        """);

    [Fact]
    public Task PyTorch_momentum_defaults_one_and_other_modules_are_left_alone() => Verifier.AnalyzerAsync("""
        using NormGen;
        using TorchSharp;
        using static TorchSharp.torch;

        static class Layers
        {
            public static object A() => nn.BatchNorm2d(64);
            public static object B() => nn.BatchNorm2d(64, momentum: 0.1);
            public static object C() => nn.BatchNorm1d(64, momentum: 0.01);
            // 1 keeps only the last batch's statistics: unusual but meaningful in PyTorch.
            public static object D() => nn.BatchNorm1d(64, momentum: 1.0);
            // Not a BatchNorm: InstanceNorm's running statistics are opt-in and separate.
            public static object E() => nn.InstanceNorm2d(64, momentum: 0.99, track_running_stats: true);
            public static object F(double m) => nn.BatchNorm2d(64, momentum: m);
        }

        [TensorLayout("N,C=64,H=8,W=8")]
        [BatchNorm("bn", Momentum = 0.1)]
        partial class Block { }
        """);

    [Fact]
    public Task Attributes_are_checked_without_TorchSharp() => Verifier.AnalyzerAsync("""
        using NormGen;

        [TensorLayout("N,C=64,H=8,W=8")]
        [BatchNorm("bn", Momentum = {|NGA002:0.9|})]
        partial class Block { }
        """, withTorchSharp: false);

    [Theory]
    [InlineData(0.99, "0.01")]
    [InlineData(0.9, "0.1")]
    [InlineData(0.999, "0.001")]
    [InlineData(0.5, "0.5")]
    [InlineData(0.997, "0.003")]
    public void Converted_momentum_is_a_short_literal(double keras, string expected) =>
        Assert.Equal(expected, KerasMomentumAnalyzer.OneMinus(keras));

    [Fact]
    public Task Fix_converts_literals_and_names_and_fixes_all() => Verifier.CodeFixAsync<KerasMomentumCodeFixProvider>("""
        using NormGen;
        using TorchSharp;

        static class Layers
        {
            private const double KerasMomentum = 0.99;

            public static object A() => torch.nn.BatchNorm2d(64, momentum: {|NGA002:0.99|} /* from Keras */);
            public static object B() => torch.nn.BatchNorm1d(128,
                                                             momentum: {|NGA002:0.9|});
            public static object C() => torch.nn.BatchNorm2d(64, momentum: {|NGA002:KerasMomentum|});
        }

        [TensorLayout("N,C=64,H=8,W=8")]
        [BatchNorm("bn", Momentum = {|NGA002:0.997|})]
        partial class Block { }
        """, """
        using NormGen;
        using TorchSharp;

        static class Layers
        {
            private const double KerasMomentum = 0.99;

            public static object A() => torch.nn.BatchNorm2d(64, momentum: 0.01 /* from Keras */);
            public static object B() => torch.nn.BatchNorm1d(128,
                                                             momentum: 0.1);
            public static object C() => torch.nn.BatchNorm2d(64, momentum: 1 - KerasMomentum);
        }

        [TensorLayout("N,C=64,H=8,W=8")]
        [BatchNorm("bn", Momentum = 0.003)]
        partial class Block { }
        """);
}
