using System;
using System.Threading;
using System.Threading.Tasks;
using NormGen.Fuzz.Tests.Infrastructure;
using Xunit;

namespace NormGen.Fuzz.Tests;

/// <summary>Sources the fuzzer once broke the toolchain with, kept as plain tests.</summary>
public sealed class RegressionTests
{
    [Theory]
    // A private or protected type directly in a namespace (CS1527) once got kernels whose members
    // could not reach one another.
    [InlineData("""namespace N; [TensorLayout("N,H=4,W,C=3")] [RmsNorm("ln", Axes = "C")] protected ref partial struct Model<T ;""")]
    [InlineData("""namespace N; [TensorLayout("N,H=4,W,C=3")] [RmsNorm("ln", Axes = "C")] protected partial class Model { }""")]
    [InlineData("""namespace N; [TensorLayout("B,T,D")] [LayerNorm("ln", Axes = "D", Shape = [8])] private partial class Model { }""")]
    [InlineData("""namespace N; protected partial class Outer { [TensorLayout("B,T,D")] [LayerNorm("ln", Axes = "D", Shape = [8])] public partial class Model { } }""")]
    [InlineData("""namespace N; [TensorLayout("B,T,D")] [LayerNorm("ln", Axes = "D", Shape = [8])] protected internal partial struct Model { }""")]
    // Two models whose generated files once had the same name: the generator threw (CS8785).
    [InlineData("""[TensorLayout("B,T,D")] [LayerNorm("ln", Axes = "D", Shape = [8])] public partial class Model { } [TensorLayout("B,T,D")] [RmsNorm("rms", Axes = "D", Shape = [8])] partial struct Model { }""")]
    [InlineData("""[TensorLayout("B,T,D")] [LayerNorm("ln", Axes = "D", Shape = [8])] public partial class Model<T> { } [TensorLayout("B,T,D")] [LayerNorm("ln", Axes = "D", Shape = [8])] public partial class Model_1 { }""")]
    [InlineData("""namespace N { [TensorLayout("B,T,D")] [LayerNorm("ln", Axes = "D", Shape = [8])] public partial class A_B { } } namespace N_A { [TensorLayout("B,T,D")] [LayerNorm("ln", Axes = "D", Shape = [8])] public partial class B { } }""")]
    [InlineData("""public partial class Outer { [TensorLayout("B,T,D")] [LayerNorm("ln", Axes = "D", Shape = [8])] public partial class Model { } } public partial struct Outer { }""")]
    public Task Model_declarations_that_once_broke_the_toolchain(string declaration) => AssertSurvivesAsync("using NormGen;\n" + declaration);

    [Theory]
    // A NaN momentum once made the Keras-momentum rule throw while writing its fix's value.
    [InlineData("var bn = nn.BatchNorm2d(64, momentum: double.NaN);")]
    [InlineData("var bn = nn.BatchNorm1d(64, momentum: 0.0 / 0.0);")]
    [InlineData("var bn = nn.BatchNorm2d(64, momentum: double.PositiveInfinity);")]
    // A huge constant channel count once sent the GroupNorm rule's divisor search into an endless
    // loop (d * d overflowed); extreme group counts overflowed its distances.
    [InlineData("var gn = nn.GroupNorm(num_channels: long.MaxValue, num_groups: 8);")]
    [InlineData("var gn = nn.GroupNorm(8, 9_000_000_000_000_000_001);")]
    [InlineData("var gn = nn.GroupNorm(long.MinValue, 64);")]
    [InlineData("var gn = nn.GroupNorm(long.MaxValue, 64);")]
    [InlineData("var gn = nn.GroupNorm(3, (1L << 40) + 1);")]
    public Task TorchSharp_code_that_once_broke_the_toolchain(string statement) => AssertSurvivesAsync($$"""
        using TorchSharp;
        using static TorchSharp.torch;

        static class Program
        {
            static void Main()
            {
                {{statement}}
            }
        }
        """);

    [Theory]
    [InlineData("double.NaN")]
    [InlineData("double.NegativeInfinity")]
    public Task BatchNorm_attributes_with_odd_momentum(string momentum) => AssertSurvivesAsync($$"""
        using NormGen;

        [TensorLayout("N,C=4,H=2,W=2")]
        [BatchNorm("bn", Momentum = {{momentum}})]
        public partial class Model { }
        """);

    private static async Task AssertSurvivesAsync(string source)
    {
        CheckResult result = await ToolchainCheck.RunAsync(source, allowUnsafe: true, compileGenerated: true, maxFixedDiagnostics: 3, CancellationToken.None)
            .WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(result.Problems.Count == 0, string.Join("\n", result.Problems));
    }
}
