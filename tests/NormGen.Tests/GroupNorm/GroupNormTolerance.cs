using System;
using System.Linq;
using NormGen.Tests.Support;

namespace NormGen.Tests.GroupNorm;

/// <summary>Closeness suited to the kernel's element type, scaled by the magnitude of what is compared.</summary>
internal static class GroupNormTolerance
{
    public static void AssertClose(GroupNormCase norm, double[] expected, double[] actual, string what, double looseness = 1)
    {
        double scale = Math.Max(1, expected.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max());
        (double absolute, double relative) = norm.Precision switch
        {
            Precision.Double => (1e-11, 1e-9),
            Precision.Float => (3e-6, 2e-4),
            _ => (4e-3, 1e-2),
        };

        Tolerance.AssertClose(expected, actual, absolute * scale * looseness, relative * looseness, $"{norm.Name} {what}");
    }
}
