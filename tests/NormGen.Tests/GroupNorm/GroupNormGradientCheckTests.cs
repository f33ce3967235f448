using System;
using System.Collections.Generic;
using System.Linq;
using NormGen.Tests.Support;
using Xunit;
using Xunit.Sdk;

namespace NormGen.Tests.GroupNorm;

/// <summary>
/// The double-precision kernels' gradients against central finite differences of the kernels' own forward
/// pass: an independent check of the backward formulas, the reference's included.
/// </summary>
public class GroupNormGradientCheckTests
{
    private const double Step = 1e-6;

    public static TheoryData<string> DoubleKernels => GroupNormCases.Names(n => n.Precision == Precision.Double);

    [Theory]
    [MemberData(nameof(DoubleKernels))]
    public void Gradients_match_central_differences(string name)
    {
        GroupNormCase norm = GroupNormCases.Named(name);
        (double[] x, double[]? weight, double[]? bias) = GroupNormData.Inputs(norm, batch: 2, seed: 91, mean: 0.3, std: 1.5);
        double[] upstream = TestData.Normal(x.Length, seed: 92);

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

        GroupNormReference.Backward analytic = norm.Backward(upstream, x, weight, bias, norm.Forward(x, weight, bias));
        var random = new Random(93);
        foreach (int i in Indices(x.Length, 40, random))
        {
            AssertGradient(CentralDifference(x, i, v => Loss(v, weight, bias)), analytic.GradInput[i], $"{name} dx[{i}]");
        }

        if (weight is not null)
        {
            for (int c = 0; c < weight.Length; c++)
            {
                AssertGradient(CentralDifference(weight, c, w => Loss(x, w, bias)), analytic.GradWeight![c], $"{name} dγ[{c}]");
                AssertGradient(CentralDifference(bias!, c, b => Loss(x, weight, b)), analytic.GradBias![c], $"{name} dβ[{c}]");
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

    private static void AssertGradient(double numeric, double analytic, string what)
    {
        if (Math.Abs(numeric - analytic) > 1e-6 + 1e-5 * Math.Abs(numeric))
        {
            throw new XunitException($"{what}: analytic {analytic:R}, central difference {numeric:R}");
        }
    }

    private static IEnumerable<int> Indices(int length, int count, Random random) =>
        length <= count ? Enumerable.Range(0, length) : Enumerable.Range(0, count).Select(_ => random.Next(length)).Concat([0, length - 1]);
}
