using System;
using NormGen.Tests.Support;

namespace NormGen.Tests.ChannelsFirst;

/// <summary>Closeness suited to a kernel's element type; sums (parameter gradients) are judged against their largest magnitude.</summary>
internal static class ColumnAssert
{
    public static void Close(ColumnCase norm, double[] expected, double[] actual, string what)
    {
        (double absolute, double relative) = Elementwise(norm);
        Tolerance.AssertClose(expected, actual, absolute, relative, $"{norm.Name} {what}");
    }

    /// <summary>For values summed over many columns: the absolute tolerance scales with the largest expected magnitude.</summary>
    public static void CloseSums(ColumnCase norm, double[] expected, double[] actual, string what)
    {
        double scale = 1;
        foreach (double value in expected)
        {
            scale = Math.Max(scale, Math.Abs(value));
        }

        (double absolute, double relative) = Elementwise(norm);
        Tolerance.AssertClose(expected, actual, absolute * scale, relative, $"{norm.Name} {what}");
    }

    /// <summary>Statistics are float for Half kernels, computed from the Half-rounded input the reference also sees.</summary>
    public static void CloseStatistics(ColumnCase norm, double[] expected, double[] actual, string what)
    {
        if (norm.IsDouble)
        {
            Tolerance.AssertClose(expected, actual, 1e-12, 1e-10, $"{norm.Name} {what}");
        }
        else
        {
            Tolerance.AssertClose(expected, actual, 1e-5, 1e-4, $"{norm.Name} {what}");
        }
    }

    private static (double Absolute, double Relative) Elementwise(ColumnCase norm) =>
        norm.IsDouble ? (1e-10, 1e-9) : norm.IsHalf ? (2e-3, 2e-3) : (2e-5, 2e-4);
}
