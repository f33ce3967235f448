using System;
using System.Linq;
using NormGen.Tests.Support;
using Xunit;

namespace NormGen.Tests.ChannelsFirst;

/// <summary>
/// Channels-first kernels (LayerNorm/RMSNorm over interior axes, computed in place in the input's layout) against
/// the float64 reference: forward, backward, one outer index, and in-place operation.
/// </summary>
public class ChannelsFirstReferenceTests
{
    public static TheoryData<string> Kernels => ChannelsFirstCases.Names;

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Forward_matches_the_float64_reference(string name)
    {
        ColumnCase norm = ChannelsFirstCases.Named(name);
        double[] x = norm.Round(TestData.Normal(3 * norm.OuterLength, seed: 101, mean: 0.3));
        (double[]? weight, double[]? bias) = ColumnData.Parameters(norm, seed: 102);

        ColumnForward expected = ColumnReference.Forward(norm, x, weight, bias);
        ColumnForward actual = norm.Forward(x, weight, bias);

        ColumnAssert.Close(norm, expected.Output, actual.Output, "y");
        ColumnAssert.CloseStatistics(norm, expected.Rstd, actual.Rstd, "rstd");
        if (norm.Centered)
        {
            ColumnAssert.CloseStatistics(norm, expected.Mean, actual.Mean, "mean");
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Backward_matches_the_float64_reference(string name)
    {
        ColumnCase norm = ChannelsFirstCases.Named(name);
        double[] x = norm.Round(TestData.Normal(3 * norm.OuterLength, seed: 103, mean: -0.2));
        double[] dy = norm.Round(TestData.Normal(x.Length, seed: 104));
        (double[]? weight, double[]? bias) = ColumnData.Parameters(norm, seed: 105);

        ColumnBackward expected = ColumnReference.Backward(norm, dy, x, weight, bias);
        ColumnBackward actual = norm.Backward(dy, x, weight, bias, norm.Forward(x, weight, bias));

        ColumnAssert.Close(norm, expected.GradInput, actual.GradInput, "dx");
        if (norm.HasWeight)
        {
            ColumnAssert.CloseSums(norm, expected.GradWeight, actual.GradWeight, "dγ");
        }

        if (norm.HasBias)
        {
            ColumnAssert.CloseSums(norm, expected.GradBias, actual.GradBias, "dβ");
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void A_single_outer_index_matches_the_reference(string name)
    {
        ColumnCase norm = ChannelsFirstCases.Named(name);
        double[] x = norm.Round(TestData.Normal(norm.OuterLength, seed: 106, std: 2));
        double[] dy = norm.Round(TestData.Normal(x.Length, seed: 107));
        (double[]? weight, double[]? bias) = ColumnData.Parameters(norm, seed: 108);

        ColumnForward saved = norm.Forward(x, weight, bias);
        ColumnAssert.Close(norm, ColumnReference.Forward(norm, x, weight, bias).Output, saved.Output, "y");

        ColumnBackward expected = ColumnReference.Backward(norm, dy, x, weight, bias);
        ColumnBackward actual = norm.Backward(dy, x, weight, bias, saved);
        ColumnAssert.Close(norm, expected.GradInput, actual.GradInput, "dx");
        if (norm.HasWeight)
        {
            ColumnAssert.CloseSums(norm, expected.GradWeight, actual.GradWeight, "dγ");
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Forward_in_place_equals_forward_into_a_separate_output(string name)
    {
        ColumnCase norm = ChannelsFirstCases.Named(name);
        double[] x = norm.Round(TestData.Normal(2 * norm.OuterLength, seed: 109));
        (double[]? weight, double[]? bias) = ColumnData.Parameters(norm, seed: 110);

        Assert.Equal(norm.Forward(x, weight, bias).Output, norm.ForwardInPlace(x, weight, bias));
    }

    [Fact]
    public void Statistics_are_laid_out_outer_by_inner()
    {
        // Column (o, q) of an input whose every column is constant except one: only that statistic differs.
        ColumnCase norm = ChannelsFirstCases.C96;
        double[] x = new double[2 * norm.OuterLength];
        const int o = 1, q = 40;
        for (int r = 0; r < norm.Reduced; r++)
        {
            x[ColumnReference.Index(norm, o, r, q)] = r % 2 == 0 ? 1 : -1;
        }

        ColumnForward saved = norm.Forward(x, null, null);

        for (int column = 0; column < 2 * norm.Inner; column++)
        {
            bool special = column == o * norm.Inner + q;
            Assert.Equal(special ? 1 / Math.Sqrt(1 + norm.Epsilon) : 1 / Math.Sqrt(norm.Epsilon), saved.Rstd[column], 4);
        }
    }
}

/// <summary>Seeded parameters for a channels-first norm: γ around 1, β around 0, one per reduced element.</summary>
internal static class ColumnData
{
    public static (double[]? Weight, double[]? Bias) Parameters(ColumnCase norm, int seed)
    {
        double[]? weight = norm.HasWeight ? norm.Round(TestData.Normal(norm.Reduced, seed, mean: 1, std: 0.5)) : null;
        double[]? bias = norm.HasBias ? norm.Round(TestData.Normal(norm.Reduced, seed + 1, std: 0.5)) : null;
        return (weight, bias);
    }
}
