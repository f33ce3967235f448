using System;
using System.Linq;
using NormGen.Tests.Support;
using Xunit;

namespace NormGen.Tests;

/// <summary>
/// The double-precision kernels' gradients against central finite differences of the kernels' own
/// forward pass: an independent check of the backward formulas (and of the reference's).
/// </summary>
public class GradientCheckTests
{
    public static TheoryData<string> DoubleKernels => Norms.DoubleNames;

    private const double Step = 1e-6;

    [Theory]
    [MemberData(nameof(DoubleKernels))]
    public void Gradients_match_central_differences(string name)
    {
        NormCase norm = Norms.Named(name);
        int rows = 2;
        double[] x = TestData.Normal(rows * norm.RowLength, seed: 21, mean: 0.3);
        double[] upstream = TestData.Normal(x.Length, seed: 22);
        (double[]? weight, double[]? bias) = TestData.Parameters(norm, seed: 23);

        // L = Σ y·upstream, so dL/dy = upstream.
        double Loss(double[] input, double[]? w, double[]? b)
        {
            double[] y = norm.Forward(input, w, b).Output;
            double sum = 0;
            for (int i = 0; i < y.Length; i++)
            {
                sum += y[i] * upstream[i];
            }

            return sum;
        }

        ReferenceNorms.Backward analytic = norm.Backward(upstream, x, weight, norm.Forward(x, weight, bias));

        var random = new Random(24);
        foreach (int i in SampleIndices(x.Length, random))
        {
            double numeric = CentralDifference(x, i, v => Loss(v, weight, bias));
            AssertGradient(numeric, analytic.GradInput[i], $"dx[{i}]");
        }

        if (weight is not null)
        {
            foreach (int i in SampleIndices(weight.Length, random))
            {
                double numeric = CentralDifference(weight, i, w => Loss(x, w, bias));
                AssertGradient(numeric, analytic.GradWeight[i], $"dγ[{i}]");
            }
        }

        if (bias is not null)
        {
            foreach (int i in SampleIndices(bias.Length, random))
            {
                double numeric = CentralDifference(bias, i, b => Loss(x, weight, b));
                AssertGradient(numeric, analytic.GradBias[i], $"dβ[{i}]");
            }
        }
    }

    private static double CentralDifference(double[] values, int index, Func<double[], double> loss)
    {
        double[] plus = (double[])values.Clone(), minus = (double[])values.Clone();
        plus[index] += Step;
        minus[index] -= Step;
        return (loss(plus) - loss(minus)) / (2 * Step);
    }

    private static void AssertGradient(double numeric, double analytic, string what) =>
        Assert.True(Math.Abs(numeric - analytic) <= 1e-6 + 1e-5 * Math.Abs(numeric), $"{what}: analytic {analytic:R}, numeric {numeric:R}");

    private static int[] SampleIndices(int length, Random random)
    {
        if (length <= 24)
        {
            return System.Linq.Enumerable.Range(0, length).ToArray();
        }

        var indices = new int[24];
        for (int i = 0; i < indices.Length; i++)
        {
            indices[i] = random.Next(length);
        }

        indices[0] = 0;
        indices[^1] = length - 1;
        return indices;
    }
}
