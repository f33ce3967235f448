using System;
using NormGen.Tests.Support;
using Xunit;

namespace NormGen.Tests;

/// <summary>Every generated kernel, forward and backward, against the float64 reference.</summary>
public class ReferenceTests
{
    public static TheoryData<string> Kernels => Norms.Names;

    private static readonly int[] RowCounts = [1, 3, 97];

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Forward_matches_the_reference(string name)
    {
        NormCase norm = Norms.Named(name);
        foreach (int rows in RowCounts)
        {
            double[] x = norm.Round(TestData.Normal(rows * norm.RowLength, seed: rows, mean: 0.5, std: 2));
            (double[]? weight, double[]? bias) = TestData.Parameters(norm, seed: 7);

            ReferenceNorms.Forward expected = ReferenceNorms.Run(norm, x, weight, bias);
            ReferenceNorms.Forward actual = norm.Forward(x, weight, bias);

            Tolerance.AssertClose(norm, expected.Output, actual.Output, $"{name} y ({rows} rows)");
            Tolerance.AssertClose(norm, expected.Rstd, actual.Rstd, $"{name} rstd ({rows} rows)");
            if (norm.Centered)
            {
                Tolerance.AssertClose(norm, expected.Mean, actual.Mean, $"{name} mean ({rows} rows)");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Backward_matches_the_reference(string name)
    {
        NormCase norm = Norms.Named(name);
        foreach (int rows in RowCounts)
        {
            double[] x = norm.Round(TestData.Normal(rows * norm.RowLength, seed: 100 + rows, mean: -0.25, std: 1.5));
            double[] dy = norm.Round(TestData.Normal(x.Length, seed: 200 + rows));
            (double[]? weight, _) = TestData.Parameters(norm, seed: 9);

            ReferenceNorms.Backward expected = ReferenceNorms.Gradients(norm, dy, x, weight);
            ReferenceNorms.Backward actual = norm.Backward(dy, x, weight, norm.Forward(x, weight, null));

            Tolerance.AssertClose(norm, expected.GradInput, actual.GradInput, $"{name} dx ({rows} rows)");
            if (norm.HasWeight)
            {
                Tolerance.AssertClose(norm, expected.GradWeight, actual.GradWeight, $"{name} dγ ({rows} rows)", scale: rows);
            }

            if (norm.HasBias)
            {
                Tolerance.AssertClose(norm, expected.GradBias, actual.GradBias, $"{name} dβ ({rows} rows)", scale: rows);
            }
        }
    }

    [Theory]
    [InlineData("ln7")]
    [InlineData("ln768")]
    [InlineData("rms7")]
    [InlineData("ln7d")]
    [InlineData("lnLong")]
    [InlineData("rmsLongD")]
    public void Work_split_across_threads_matches_the_reference(string name)
    {
        // Enough rows that the scheduler splits forward rows across workers and backward into several blocks.
        NormCase norm = Norms.Named(name);
        int rows = (int)(8 * NormGen.Kernels.RowScheduler.MinElementsPerWorker / norm.RowLength) + 5;
        double[] x = norm.Round(TestData.Normal(rows * norm.RowLength, seed: 3));
        double[] dy = norm.Round(TestData.Normal(x.Length, seed: 4));
        (double[]? weight, double[]? bias) = TestData.Parameters(norm, seed: 5);

        Tolerance.AssertClose(norm, ReferenceNorms.Run(norm, x, weight, bias).Output, norm.Forward(x, weight, bias).Output, "y");

        ReferenceNorms.Backward expected = ReferenceNorms.Gradients(norm, dy, x, weight);
        ReferenceNorms.Backward actual = norm.Backward(dy, x, weight, norm.Forward(x, weight, null));
        Tolerance.AssertClose(norm, expected.GradInput, actual.GradInput, "dx");
        Tolerance.AssertClose(norm, expected.GradWeight, actual.GradWeight, "dγ", scale: Math.Sqrt(rows) * 10);
        if (norm.HasBias)
        {
            Tolerance.AssertClose(norm, expected.GradBias, actual.GradBias, "dβ", scale: Math.Sqrt(rows) * 10);
        }
    }
}
