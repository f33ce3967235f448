using System;
using NormGen.Tests.Support;
using Xunit;
using Xunit.Sdk;

namespace NormGen.Tests.Fusions;

/// <summary>
/// A fused kernel computes what its steps compute when run one after another — the add(s), the plain
/// norm, the activation, and back — in the same element type. In float and double that holds bit for
/// bit (the fused routines do the same operations in the same order); in Half the fused kernel rounds
/// once where the steps round after each one, so the two agree to Half precision.
/// </summary>
public class FusionCompositionTests
{
    public static TheoryData<string> FloatAndDouble => FusedCases.Names([.. FusedCases.Float, .. FusedCases.Double]);

    public static TheoryData<string> Halves => FusedCases.Names(FusedCases.Halves);

    [Theory]
    [MemberData(nameof(FloatAndDouble))]
    public void Fused_kernel_equals_the_unfused_steps_bit_for_bit(string name)
    {
        FusedCase c = FusedCases.Named(name);
        FusedInputs inputs = c.Inputs(c.RowLength > 1000 ? 3 : 6, seed: 100);
        FusedResults fused = c.RunFused(inputs);
        FusedResults steps = c.RunUnfused(inputs);

        Assert.Equal(steps.Output, fused.Output);
        Assert.Equal(steps.ResidualOutput, fused.ResidualOutput);
        Assert.Equal(steps.Mean, fused.Mean);
        Assert.Equal(steps.Rstd, fused.Rstd);
        Assert.Equal(steps.GradInput, fused.GradInput);
        Assert.Equal(steps.GradWeight, fused.GradWeight);
        Assert.Equal(steps.GradBias, fused.GradBias);

        // The steps sum the input gradient over rows naively; the kernel sums per block, then the blocks.
        double tolerance = c.IsDouble ? 1e-12 : 1e-5;
        Tolerance.AssertClose(steps.GradInputBias, fused.GradInputBias, tolerance, tolerance, "dInputBias");
    }

    [Theory]
    [MemberData(nameof(Halves))]
    public void Fused_Half_kernel_matches_the_unfused_Half_steps(string name)
    {
        FusedCase c = FusedCases.Named(name);
        FusedInputs inputs = c.Inputs(c.RowLength > 1000 ? 3 : 6, seed: 200);
        FusedResults fused = c.RunFused(inputs);
        FusedResults steps = c.RunUnfused(inputs);

        HalfAssert.Close(steps.Output, fused.Output, "y");
        HalfAssert.Close(steps.ResidualOutput, fused.ResidualOutput, "residualOutput");
        HalfAssert.Close(steps.Mean, fused.Mean, "mean");
        HalfAssert.Close(steps.Rstd, fused.Rstd, "rstd");
        HalfAssert.Close(steps.GradInput, fused.GradInput, "dx");
        HalfAssert.Close(steps.GradInputBias, fused.GradInputBias, "dInputBias");
        HalfAssert.Close(steps.GradWeight, fused.GradWeight, "dγ");
        HalfAssert.Close(steps.GradBias, fused.GradBias, "dβ");
    }
}

/// <summary>Closeness for Half results: a few Half ulps of the element, or of the vector's typical size for the elements near zero.</summary>
internal static class HalfAssert
{
    public static void Close(double[] expected, double[] actual, string what, double ulps = 4)
    {
        if (expected.Length != actual.Length)
        {
            throw new XunitException($"{what}: length {actual.Length}, expected {expected.Length}");
        }

        double typical = 0;
        foreach (double e in expected)
        {
            typical += Math.Abs(e);
        }

        typical /= Math.Max(1, expected.Length);
        const double HalfEpsilon = 0.0009765625;
        for (int i = 0; i < expected.Length; i++)
        {
            double limit = ulps * HalfEpsilon * (Math.Abs(expected[i]) + typical);
            if (!(Math.Abs(actual[i] - expected[i]) <= limit))
            {
                throw new XunitException($"{what}[{i}]: {actual[i]:R}, expected {expected[i]:R} (limit {limit:E2})");
            }
        }
    }
}
