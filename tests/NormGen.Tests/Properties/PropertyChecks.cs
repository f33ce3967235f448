using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NormGen.Tests.GroupNorm;
using NormGen.Tests.Support;
using Xunit;

namespace NormGen.Tests.Properties;

/// <summary>
/// How long the properties run and how closely a kernel must follow the float64 reference.
/// <c>NORMGEN_PROPERTY_ITERATIONS</c> scales a run; a failure prints CsCheck's seed, and
/// <c>NORMGEN_PROPERTY_SEED</c> (or CsCheck's own <c>CsCheck_Seed</c>) replays it.
/// </summary>
internal static class PropertyChecks
{
    public static long Iterations(long ci) =>
        long.TryParse(Environment.GetEnvironmentVariable("NORMGEN_PROPERTY_ITERATIONS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long iterations) && iterations > 0
            ? iterations
            : ci;

    public static string? Seed => Environment.GetEnvironmentVariable("NORMGEN_PROPERTY_SEED") is { Length: > 0 } seed ? seed : null;

    /// <summary>
    /// Element-wise closeness for the element type, the absolute part scaled by the largest finite
    /// expected magnitude (so subnormal and huge regimes are judged in their own units), NaN exactly
    /// where the reference has NaN; elements marked in <paramref name="ignore"/> are left out. With <paramref name="anyNonFinite"/>, a statistic the reference
    /// finds infinite may come out as NaN or either infinity (a row holding +∞ and −∞ has no mean).
    /// </summary>
    public static void AssertClose(
        Precision precision, double[] expected, double[] actual, string what, double looseness = 1, double extraAbsolute = 0, bool anyNonFinite = false, bool[]? ignore = null)
    {
        if (ignore is not null)
        {
            expected = expected.Select((e, i) => ignore[i] ? 0 : e).ToArray();
            actual = actual.Select((a, i) => ignore[i] ? 0 : a).ToArray();
        }

        double scale = expected.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        (double absolute, double relative) = Base(precision);
        if (anyNonFinite)
        {
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                if (!double.IsFinite(expected[i]))
                {
                    Assert.False(double.IsFinite(actual[i]), $"{what}[{i}]: {actual[i]:R}, expected a non-finite value like {expected[i]}");
                    (expected[i], actual[i]) = (0, 0);
                }
            }
        }

        Tolerance.AssertClose(expected, actual, absolute * scale * looseness + extraAbsolute + Floor(precision), relative * looseness, what);
    }

    /// <summary>The absolute (per unit of scale) and relative tolerance of an element type.</summary>
    public static (double Absolute, double Relative) Base(Precision precision) => precision switch
    {
        Precision.Double => (1e-10, 1e-9),
        Precision.Float => (2e-5, 2e-4),
        _ => (4e-3, 1e-2),
    };

    /// <summary>
    /// The absolute tolerance of a gradient whose terms cancel (dx = rstd·(g − mean(g) − x̂·mean(g·x̂))):
    /// the rounding of the terms, of size rstd·|g|, not of their small difference.
    /// </summary>
    public static double CancellationError(Precision precision, double looseness, IEnumerable<double> rstd, IEnumerable<double> gradOutput, IEnumerable<double>? weight) =>
        Base(precision).Absolute * looseness * MaxAbs(rstd) * MaxAbs(gradOutput) * (weight is null ? 1 : MaxAbs(weight));

    /// <summary>The arithmetic's unit roundoff: float for Half storage, which computes in float.</summary>
    public static double Epsilon(Precision precision) => precision == Precision.Double ? 1.1102230246251565e-16 : 5.9604644775390625e-8;

    /// <summary>
    /// The absolute resolution near zero: a few subnormal spacings of the arithmetic (of Half for Half
    /// outputs), below which no kernel can be asked to agree with a float64 reference.
    /// </summary>
    public static double Floor(Precision precision) => precision switch
    {
        Precision.Double => 1e-320,
        Precision.Float => 1e-43,
        _ => 1e-6,
    };

    /// <summary>
    /// What rounding at the data's magnitude costs x̂ = (x − mean)·rstd even with well computed
    /// statistics: a mean is only as exact as the arithmetic at max|x|, and the error is multiplied by
    /// rstd. Where x − mean cancels to (nearly) nothing — a large common offset, a constant row — the
    /// summation error of a mean over <paramref name="reduction"/> values (the reference's as much as
    /// the kernel's) is what remains, so it counts in full.
    /// </summary>
    public static double NormalizedError(Precision precision, ValueRegime regime, int reduction, double[] x, double[] rstd) =>
        (regime is ValueRegime.ConstantRows or ValueRegime.LargeOffset ? 4.0 * reduction : 16) * Epsilon(precision) * MaxAbs(x) * MaxAbs(rstd);

    /// <summary>The largest finite magnitude, or 0.</summary>
    public static double MaxAbs(IEnumerable<double> values) => values.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
}
