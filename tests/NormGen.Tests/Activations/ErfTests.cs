using System;
using NormGen.Kernels;
using Xunit;

namespace NormGen.Tests.ActivationKernels;

/// <summary>
/// The error function GELU rests on: double within a few ulp of a 27-digit series, float within
/// 2e-7 (absolute) everywhere, odd, and exact at 0, ±∞ and NaN.
/// </summary>
public class ErfTests
{
    [Theory]
    [InlineData(0.5, 0.52049987781304653768)]
    [InlineData(1.0, 0.84270079294971486934)]
    [InlineData(1.5, 0.96610514647531072707)]
    [InlineData(2.0, 0.99532226501895273416)]
    [InlineData(3.0, 0.99997790950300141456)]
    [InlineData(-0.1, -0.11246291601828489220)]
    public void Double_erf_matches_tabulated_values(double x, double expected)
    {
        Assert.Equal(expected, ErfOf(x), 1e-16);
        Assert.Equal(expected, ExactErf.Erf(x), 1e-16);
    }

    [Fact]
    public void Double_erf_is_within_1e_16_of_the_series_across_every_piece()
    {
        var points = new System.Collections.Generic.List<double>();
        for (int i = -3200; i <= 3200; i++)
        {
            points.Add(i / 500.0 + 1e-4);
        }

        // Each side of the pieces' boundaries.
        foreach (double b in new[] { 0.84375, 1.25, 1 / 0.35, 6.0 })
        {
            points.Add(Math.BitDecrement(b));
            points.Add(b);
            points.Add(-Math.BitIncrement(b));
        }

        double[] x = points.ToArray(), y = new double[x.Length];
        Activations.Erf(x, y);
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double exact = ExactErf.Erf(x[i]);
            double error = Math.Abs(y[i] - exact);
            worst = Math.Max(worst, error);
            Assert.True(error <= 1e-16 + 4e-16 * Math.Abs(exact), $"erf({x[i]:R}) = {y[i]:R}, exact {exact:R}");
        }

        Assert.True(worst < 5e-16, $"worst error {worst:E2}");
    }

    [Fact]
    public void Double_erf_keeps_relative_precision_near_zero()
    {
        foreach (double x in new[] { 1e-300, 1e-20, 1e-9, 3e-5, 0.01 })
        {
            double exact = ExactErf.Erf(x);
            Assert.True(Math.Abs(ErfOf(x) - exact) <= 4e-16 * exact, $"erf({x})");
        }
    }

    [Fact]
    public void Float_erf_is_within_2e_7_of_the_exact_value()
    {
        // A dense grid over [-5, 5], and magnitudes from 1e-30 up, where relative precision matters.
        var inputs = new System.Collections.Generic.List<float>();
        for (int i = -250_000; i <= 250_000; i++)
        {
            inputs.Add(i / 50_000f + 1e-6f);
        }

        for (float x = 1e-30f; x < 5f; x *= 1.01f)
        {
            inputs.Add(x);
            inputs.Add(-x);
        }

        float[] z = inputs.ToArray(), y = new float[z.Length];
        double[] exact = new double[z.Length];
        Activations.Erf(z, y);
        Activations.Erf(Array.ConvertAll(z, v => (double)v), exact);

        double worst = 0;
        for (int i = 0; i < z.Length; i++)
        {
            double error = Math.Abs(y[i] - exact[i]);
            if (error > worst)
            {
                worst = error;
            }

            Assert.True(error <= 2e-7, $"erf({z[i]:R}f) = {y[i]:R}, exact {exact[i]:R}");
        }

        Assert.True(worst > 0);
    }

    [Fact]
    public void Erf_is_odd_and_exact_at_the_special_values()
    {
        float[] zf = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 7f, -30f, float.MaxValue];
        float[] yf = new float[zf.Length];
        Activations.Erf(zf, yf);
        Assert.Equal([0f, -0f, 1f, -1f, float.NaN, 1f, -1f, 1f], yf);
        Assert.True(float.IsNegative(yf[1]));

        double[] zd = [0, -0.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN, 7, -30, double.MaxValue];
        double[] yd = new double[zd.Length];
        Activations.Erf(zd, yd);
        Assert.Equal([0, -0.0, 1, -1, double.NaN, 1, -1, 1], yd);
        Assert.True(double.IsNegative(yd[1]));

        double[] x = TestDataNormal(257, 3);
        double[] negated = Array.ConvertAll(x, v => -v);
        double[] a = new double[x.Length], b = new double[x.Length];
        Activations.Erf(x, a);
        Activations.Erf(negated, b);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(-a[i], b[i]);
        }
    }

    private static double ErfOf(double x)
    {
        Span<double> y = stackalloc double[1];
        Activations.Erf([x], y);
        return y[0];
    }

    private static double[] TestDataNormal(int length, int seed) => Support.TestData.Normal(length, seed, std: 2);
}
