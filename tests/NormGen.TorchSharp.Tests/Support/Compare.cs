using System;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NormGen.TorchModules.Tests.Support;

/// <summary>Element-wise comparisons of tensors with a tolerance scaled to the values' size.</summary>
internal static class Compare
{
    /// <summary>Asserts |actual − expected| ≤ atol + rtol·|expected| everywhere, naming the worst element.</summary>
    public static void Close(Tensor expected, Tensor actual, double rtol, double atol, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var e = expected.detach().to_type(ScalarType.Float64);
        using var a = actual.detach().to_type(ScalarType.Float64);
        using var excess = (a - e).abs() - (e.abs() * rtol + atol);
        double worst = excess.max().item<double>();
        Assert.True(worst <= 0, $"{what}: differs by {worst:G3} beyond the tolerance (rtol {rtol}, atol {atol}).");
    }

    /// <summary>A seeded standard-normal tensor.</summary>
    public static Tensor Random(long[] shape, ScalarType type, int seed, double scale = 1, double offset = 0)
    {
        using var generator = new Generator((ulong)seed);
        using var x = randn(shape, dtype: ScalarType.Float64, generator: generator);
        return (x * scale + offset).to_type(type);
    }
}
