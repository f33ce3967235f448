using NormGen.Tests.Support;

namespace NormGen.Tests.GroupNorm;

/// <summary>Seeded inputs already rounded to the kernel's element type.</summary>
internal static class GroupNormData
{
    public static (double[] X, double[]? Weight, double[]? Bias) Inputs(GroupNormCase norm, int batch, int seed, double mean = 0.5, double std = 2)
    {
        double[] x = norm.Round(TestData.Normal(batch * norm.Shape.SampleLength, seed, mean, std));
        (double[]? weight, double[]? bias) = Parameters(norm, seed + 1000);
        return (x, weight, bias);
    }

    public static (double[]? Weight, double[]? Bias) Parameters(GroupNormCase norm, int seed) => norm.Affine
        ? (norm.Round(TestData.Normal(norm.Shape.Channels, seed, mean: 1, std: 0.5)), norm.Round(TestData.Normal(norm.Shape.Channels, seed + 1, std: 0.5)))
        : (null, null);
}
