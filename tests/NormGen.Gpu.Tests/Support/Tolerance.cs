using System;
using Xunit.Sdk;

namespace NormGen.Gpu.Tests.Support;

/// <summary>Element-wise closeness with a tolerance suited to the kernel's element type.</summary>
internal static class Tolerance
{
    /// <summary>|actual - expected| ≤ scale·atol + rtol·|expected| for every element, NaN only where expected is NaN.</summary>
    public static void AssertClose(GpuKernel kernel, double[] expected, double[] actual, string what, double scale = 1)
    {
        (double absolute, double relative) = kernel.IsDouble ? (1e-10, 1e-9) : kernel.IsHalf ? (4e-3, 4e-3) : (2e-5, 2e-4);
        if (expected.Length != actual.Length)
        {
            throw new XunitException($"{kernel} {what}: length {actual.Length}, expected {expected.Length}");
        }

        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) || double.IsNaN(a))
            {
                if (double.IsNaN(e) != double.IsNaN(a))
                {
                    throw new XunitException($"{kernel} {what}[{i}]: {a}, expected {e}");
                }

                continue;
            }

            if (Math.Abs(a - e) > absolute * scale + relative * Math.Abs(e))
            {
                throw new XunitException($"{kernel} {what}[{i}]: {a:R}, expected {e:R} (difference {Math.Abs(a - e):E2})");
            }
        }
    }
}
