using System;
using NormGen.Tests.Support;
using Xunit.Sdk;

namespace NormGen.Tests.BatchNorm;

/// <summary>Seeded inputs and element-type-aware comparisons for the BatchNorm tests.</summary>
internal static class BatchNormTestData
{
    /// <summary>A batch size that gives every case a few thousand values at most, and more than one sample.</summary>
    public static int BatchFor(BatchNormCase norm) => Math.Clamp(4096 / (norm.Channels * norm.Spatial), 2, 5);

    public static double[] Input(BatchNormCase norm, int batch, int seed, double mean = 0.5, double std = 2) =>
        norm.Round(TestData.Normal(batch * norm.Channels * norm.Spatial, seed, mean, std));

    public static (double[] Weight, double[] Bias) Parameters(BatchNormCase norm, int seed) =>
        (norm.Round(TestData.Normal(norm.Channels, seed, mean: 1, std: 0.5)), norm.Round(TestData.Normal(norm.Channels, seed + 1, std: 0.5)));

    /// <summary>Running statistics as a model mid-training would hold them (variances positive).</summary>
    public static (double[] Mean, double[] Var) Running(BatchNormCase norm, int seed)
    {
        double[] mean = norm.Round(TestData.Normal(norm.Channels, seed, std: 0.5));
        double[] variance = norm.Round(Array.ConvertAll(TestData.Normal(norm.Channels, seed + 1), v => 0.5 + v * v));
        return (mean, variance);
    }

    /// <summary>The reference's view of the kernel's parameters: none when the kernel has none.</summary>
    public static double[]? Weight(BatchNormCase norm, double[] weight) => norm.Affine ? weight : null;

    public static double[]? Bias(BatchNormCase norm, double[] bias) => norm.Affine ? bias : null;

    public static void AssertClose(BatchNormCase norm, double[] expected, double[] actual, string what, double scale = 1)
    {
        if (norm.IsDouble)
        {
            Tolerance.AssertClose(expected, actual, 1e-10 * scale, 1e-9, what);
        }
        else if (norm.IsHalf)
        {
            Tolerance.AssertClose(expected, actual, 4e-3 * scale, 4e-3, what);
        }
        else
        {
            Tolerance.AssertClose(expected, actual, 2e-5 * scale, 2e-4, what);
        }
    }

    public static void AssertBitwiseEqual(double[] expected, double[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
            {
                throw new XunitException($"{what}[{i}]: {actual[i]:R} differs from {expected[i]:R}");
            }
        }
    }
}
