using System;

namespace NormGen.Gpu.Tests.Support;

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
}
