using System;
using Xunit.Sdk;

namespace NormGen.Tests.Support;

/// <summary>Element-wise closeness with a tolerance suited to the kernel's element type.</summary>
internal static class Tolerance
{
    /// <summary>|actual - expected| ≤ atol + rtol·|expected| for every element, NaN only where expected is NaN.</summary>
    public static void AssertClose(double[] expected, double[] actual, double absolute, double relative, string what)
    {
        if (expected.Length != actual.Length)
        {
            throw new XunitException($"{what}: length {actual.Length}, expected {expected.Length}");
        }

        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) || double.IsNaN(a))
            {
                if (double.IsNaN(e) != double.IsNaN(a))
                {
                    throw new XunitException($"{what}[{i}]: {a}, expected {e}");
                }

                continue;
            }

            if (Math.Abs(a - e) > absolute + relative * Math.Abs(e))
            {
                throw new XunitException($"{what}[{i}]: {a:R}, expected {e:R} (difference {Math.Abs(a - e):E2})");
            }
        }
    }

    public static void AssertClose(NormCase norm, double[] expected, double[] actual, string what, double scale = 1)
    {
        if (norm.IsDouble)
        {
            AssertClose(expected, actual, 1e-10 * scale, 1e-9, what);
        }
        else
        {
            AssertClose(expected, actual, 2e-5 * scale, 2e-4, what);
        }
    }
}
