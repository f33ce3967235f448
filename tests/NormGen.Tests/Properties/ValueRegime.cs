using System;
using System.Linq;
using NormGen.Tests.GroupNorm;
using NormGen.Tests.Support;

namespace NormGen.Tests.Properties;

/// <summary>The kinds of data a training job feeds a norm, the awkward ones included.</summary>
public enum ValueRegime
{
    /// <summary>N(0.5, 2): what most activations look like.</summary>
    Ordinary,

    /// <summary>Values in the element type's subnormal range.</summary>
    Subnormal,

    /// <summary>±1e30 in double; in float and Half the largest magnitude whose squares still sum without overflow.</summary>
    Huge,

    /// <summary>Rows in which every value is the same: the variance is zero and y must be β.</summary>
    ConstantRows,

    /// <summary>Unit spread around a large common offset, where E[x²] − E[x]² would lose everything.</summary>
    LargeOffset,

    /// <summary>Ordinary values with a NaN, +∞ or −∞ here and there: it must stay in its row (or channel).</summary>
    NonFinite,
}

/// <summary>Inputs of a regime, already rounded to the kernel's element type so the reference sees exactly what the kernel sees.</summary>
internal static class RegimeData
{
    /// <summary>
    /// <paramref name="length"/> values in rows of <paramref name="rowLength"/> (constant rows and
    /// non-finite values are placed per row), for a kernel of <paramref name="precision"/>.
    /// </summary>
    public static double[] Values(ValueRegime regime, Precision precision, int length, int rowLength, int seed, Func<double, double> round)
    {
        var random = new Random(seed);
        double[] normal = TestData.Normal(length, seed);
        double[] values = regime switch
        {
            ValueRegime.Subnormal => normal.Select(v => v * SubnormalScale(precision)).ToArray(),
            ValueRegime.Huge => normal.Select(v => v * HugeScale(precision)).ToArray(),
            ValueRegime.LargeOffset => normal.Select(v => Offset(precision) + v).ToArray(),
            _ => normal.Select(v => 0.5 + 2 * v).ToArray(),
        };

        if (regime == ValueRegime.ConstantRows)
        {
            for (int start = 0; start < length; start += rowLength)
            {
                if (random.Next(2) == 0)
                {
                    values.AsSpan(start, Math.Min(rowLength, length - start)).Fill(values[start]);
                }
            }
        }

        if (regime == ValueRegime.NonFinite)
        {
            int count = 1 + random.Next(3);
            for (int i = 0; i < count; i++)
            {
                values[random.Next(length)] = random.Next(3) switch { 0 => double.NaN, 1 => double.PositiveInfinity, _ => double.NegativeInfinity };
            }
        }

        return Array.ConvertAll(values, v => round(v));
    }

    /// <summary>The common offset of <see cref="ValueRegime.LargeOffset"/>, for the tolerance it implies.</summary>
    public static double Offset(Precision precision) => precision switch
    {
        Precision.Double => 1e8,
        Precision.Float => 1e4,
        _ => 256,
    };

    private static double SubnormalScale(Precision precision) => precision switch
    {
        Precision.Double => 1e-310,
        Precision.Float => 1e-40,
        _ => 1e-6,
    };

    private static double HugeScale(Precision precision) => precision switch
    {
        Precision.Double => 1e30,
        // Sums of squares of many values near 1e15 stay far below float's 3.4e38.
        Precision.Float => 1e15,
        _ => 1e3,
    };
}
