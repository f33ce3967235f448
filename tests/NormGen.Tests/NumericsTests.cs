using System;
using System.Linq;
using NormGen.Tests.Support;
using Xunit;

namespace NormGen.Tests;

/// <summary>The numeric promises of DESIGN.md: constant rows, large offsets, NaN containment.</summary>
public class NumericsTests
{
    public static TheoryData<string> Kernels => Norms.Names;

    [Theory]
    [MemberData(nameof(Kernels))]
    public void A_constant_row_normalizes_to_the_bias_without_NaN(string name)
    {
        NormCase norm = Norms.Named(name);
        if (!norm.Centered)
        {
            return; // RMSNorm does not subtract the mean: a constant row is not special for it.
        }

        double[] x = norm.Round(Enumerable.Range(0, 3 * norm.RowLength).Select(i => i < norm.RowLength ? 0.1 : i < 2 * norm.RowLength ? -3.7 : 1234.5).ToArray());
        (double[]? weight, double[]? bias) = TestData.Parameters(norm, seed: 11);

        double[] y = norm.Forward(x, weight, bias).Output;

        for (int i = 0; i < y.Length; i++)
        {
            double expected = bias?[i % norm.RowLength] ?? 0;
            Assert.False(double.IsNaN(y[i]), $"y[{i}] is NaN");
            Assert.True(Math.Abs(y[i] - expected) <= 1e-6, $"y[{i}] = {y[i]}, expected β = {expected}");
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Rows_with_a_large_common_offset_keep_an_accurate_variance(string name)
    {
        // 1e4 + N(0, 1): E[x²] - E[x]² would lose every significant digit of the variance in float.
        NormCase norm = Norms.Named(name);
        if (!norm.Centered || norm.RowLength < 4)
        {
            return;
        }

        double[] x = norm.Round(TestData.Normal(5 * norm.RowLength, seed: 12, mean: 1e4, std: 1));
        (double[]? weight, double[]? bias) = TestData.Parameters(norm, seed: 13);

        ReferenceNorms.Forward expected = ReferenceNorms.Run(norm, x, weight, bias);
        ReferenceNorms.Forward actual = norm.Forward(x, weight, bias);

        // The float mean carries ~1e-3 absolute error at 1e4, which shifts x̂ by ~1e-3·rstd.
        Tolerance.AssertClose(expected.Rstd, actual.Rstd, 0, norm.IsDouble ? 1e-9 : 1e-4, "rstd");
        Tolerance.AssertClose(expected.Output, actual.Output, norm.IsDouble ? 1e-8 : 5e-3, norm.IsDouble ? 1e-8 : 1e-3, "y");
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Rows_whose_first_elements_sit_far_from_the_rest_keep_an_accurate_variance(string name)
    {
        // The statistics pass measures deviations from the mean of a row's first 16 elements. Put those far
        // from the others, on top of a large offset: the worst case for that provisional mean.
        NormCase norm = Norms.Named(name);
        if (!norm.Centered || norm.RowLength < 4)
        {
            return;
        }

        double[] x = TestData.Normal(4 * norm.RowLength, seed: 14, mean: 1e3, std: 1);
        for (int i = 0; i < x.Length; i++)
        {
            if (i % norm.RowLength < 16)
            {
                x[i] += (i / norm.RowLength % 2 == 0 ? 1 : -1) * 50;
            }
        }

        x = norm.Round(x);
        (double[]? weight, double[]? bias) = TestData.Parameters(norm, seed: 15);

        ReferenceNorms.Forward expected = ReferenceNorms.Run(norm, x, weight, bias);
        ReferenceNorms.Forward actual = norm.Forward(x, weight, bias);

        Tolerance.AssertClose(expected.Rstd, actual.Rstd, 0, norm.IsDouble ? 1e-9 : 1e-4, "rstd");
        Tolerance.AssertClose(expected.Output, actual.Output, norm.IsDouble ? 1e-8 : 5e-3, norm.IsDouble ? 1e-8 : 1e-3, "y");
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void NaN_stays_in_its_row(string name)
    {
        NormCase norm = Norms.Named(name);
        int rows = 3;
        double[] x = norm.Round(TestData.Normal(rows * norm.RowLength, seed: 14));
        x[norm.RowLength + norm.RowLength / 2] = double.NaN;
        (double[]? weight, double[]? bias) = TestData.Parameters(norm, seed: 15);

        double[] y = norm.Forward(x, weight, bias).Output;
        double[] dx = norm.Backward(x.Select(_ => 1.0).ToArray(), x, weight, norm.Forward(x, weight, null)).GradInput;

        for (int i = 0; i < y.Length; i++)
        {
            bool inPoisonedRow = i / norm.RowLength == 1;
            Assert.Equal(inPoisonedRow, double.IsNaN(y[i]));
            Assert.Equal(inPoisonedRow, double.IsNaN(dx[i]));
        }
    }

    [Fact]
    public void Parameter_gradients_are_bitwise_reproducible()
    {
        // Large enough for several reduction blocks on several threads.
        NormCase norm = Norms.Ln768;
        double[] x = norm.Round(TestData.Normal(300 * norm.RowLength, seed: 16));
        double[] dy = norm.Round(TestData.Normal(x.Length, seed: 17));
        (double[]? weight, _) = TestData.Parameters(norm, seed: 18);
        ReferenceNorms.Forward saved = norm.Forward(x, weight, null);

        ReferenceNorms.Backward first = norm.Backward(dy, x, weight, saved);
        for (int run = 0; run < 5; run++)
        {
            ReferenceNorms.Backward again = norm.Backward(dy, x, weight, saved);
            Assert.Equal(first.GradWeight, again.GradWeight);
            Assert.Equal(first.GradBias, again.GradBias);
            Assert.Equal(first.GradInput, again.GradInput);
        }
    }
}
