using System;
using NormGen.Tests.Support;
using Xunit;

namespace NormGen.Tests.ChannelsFirst;

/// <summary>
/// The double-precision channels-first kernels' gradients against central finite differences of the kernels' own
/// forward pass: an independent check of the backward formulas, including a fused activation's.
/// </summary>
public class ChannelsFirstGradientCheckTests
{
    public static TheoryData<string> DoubleKernels => ChannelsFirstCases.DoubleNames;

    private const double Step = 1e-6;

    [Theory]
    [MemberData(nameof(DoubleKernels))]
    public void Gradients_match_central_differences(string name)
    {
        ColumnCase norm = ChannelsFirstCases.Named(name);
        double[] x = TestData.Normal(2 * norm.OuterLength, seed: 301, mean: 0.3);
        double[] upstream = TestData.Normal(x.Length, seed: 302);
        (double[]? weight, double[]? bias) = ColumnData.Parameters(norm, seed: 303);

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

        ColumnBackward analytic = norm.Backward(upstream, x, weight, bias, norm.Forward(x, weight, bias));

        var random = new Random(304);
        for (int k = 0; k < 24; k++)
        {
            int i = random.Next(x.Length);
            AssertGradient(CentralDifference(x, i, v => Loss(v, weight, bias)), analytic.GradInput[i], $"{name} dx[{i}]");
        }

        if (weight is not null)
        {
            for (int i = 0; i < weight.Length; i++)
            {
                AssertGradient(CentralDifference(weight, i, w => Loss(x, w, bias)), analytic.GradWeight[i], $"{name} dγ[{i}]");
            }
        }

        if (bias is not null)
        {
            for (int i = 0; i < bias.Length; i++)
            {
                AssertGradient(CentralDifference(bias, i, b => Loss(x, weight, b)), analytic.GradBias[i], $"{name} dβ[{i}]");
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
}
