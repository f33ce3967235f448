using System;

namespace NormGen.Tests.Support;

/// <summary>Seeded random data, so a failing case replays exactly.</summary>
internal static class TestData
{
    public static double[] Normal(int length, int seed, double mean = 0, double std = 1)
    {
        var random = new Random(seed);
        var values = new double[length];
        for (int i = 0; i < length; i++)
        {
            // Box–Muller.
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            values[i] = mean + std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }

        return values;
    }

    public static (double[]? Weight, double[]? Bias) Parameters(NormCase norm, int seed)
    {
        double[]? weight = norm.HasWeight ? norm.Round(Normal(norm.RowLength, seed, mean: 1, std: 0.5)) : null;
        double[]? bias = norm.HasBias ? norm.Round(Normal(norm.RowLength, seed + 1, std: 0.5)) : null;
        return (weight, bias);
    }
}
