using System;
using System.Linq;
using System.Threading.Tasks;
using NormGen.Tests.Support;
using Xunit;

namespace NormGen.Tests.ChannelsFirst;

/// <summary>The numeric promises of DESIGN.md for columns: large offsets, constant columns, NaN containment, reproducibility.</summary>
public class ChannelsFirstNumericsTests
{
    public static TheoryData<string> Kernels => ChannelsFirstCases.Names;

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Columns_with_a_large_common_offset_keep_an_accurate_variance(string name)
    {
        // 1e4 + N(0, 1): E[x²] - E[x]² would lose every significant digit of the variance in float. Half cannot
        // hold that noise next to 1e4 (its spacing there is 8), so it gets 1e2 + N(0, 1) instead.
        ColumnCase norm = ChannelsFirstCases.Named(name);
        if (!norm.Centered || norm.Reduced < 4)
        {
            return;
        }

        double offset = norm.IsHalf ? 1e2 : 1e4;
        double[] x = norm.Round(TestData.Normal(3 * norm.OuterLength, seed: 201, mean: offset, std: 1));
        (double[]? weight, double[]? bias) = ColumnData.Parameters(norm, seed: 202);

        ColumnForward expected = ColumnReference.Forward(norm, x, weight, bias);
        ColumnForward actual = norm.Forward(x, weight, bias);

        // The float mean carries ~1e-3 absolute error at 1e4, which shifts x̂ by ~1e-3·rstd.
        Tolerance.AssertClose(expected.Rstd, actual.Rstd, 0, norm.IsDouble ? 1e-9 : 1e-4, $"{name} rstd");
        Tolerance.AssertClose(
            expected.Output, actual.Output, norm.IsDouble ? 1e-8 : norm.IsHalf ? 1e-2 : 5e-3, norm.IsDouble ? 1e-8 : norm.IsHalf ? 5e-3 : 1e-3, $"{name} y");
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void A_constant_column_normalizes_to_the_bias_without_NaN(string name)
    {
        ColumnCase norm = ChannelsFirstCases.Named(name);
        if (!norm.Centered)
        {
            return; // RMSNorm does not subtract the mean: a constant column is not special for it.
        }

        // Every column constant, with constants that differ from column to column and from each other in scale.
        double[] constants = [0.1, -3.7, 1234.5, 0, 7e-3, -65.25];
        var x = new double[2 * norm.OuterLength];
        for (int o = 0; o < 2; o++)
        {
            for (int q = 0; q < norm.Inner; q++)
            {
                double value = norm.Round(constants[(o * norm.Inner + q) % constants.Length]);
                for (int r = 0; r < norm.Reduced; r++)
                {
                    x[ColumnReference.Index(norm, o, r, q)] = value;
                }
            }
        }

        (double[]? weight, double[]? bias) = ColumnData.Parameters(norm, seed: 203);

        double[] y = norm.Forward(x, weight, bias).Output;

        for (int i = 0; i < y.Length; i++)
        {
            int r = i / norm.Inner % norm.Reduced;
            double expected = norm.Round(ColumnReference.Activate(norm.Activation, bias?[r] ?? 0));
            Assert.False(double.IsNaN(y[i]), $"y[{i}] is NaN");
            Assert.True(Math.Abs(y[i] - expected) <= 1e-6, $"y[{i}] = {y[i]}, expected act(β) = {expected}");
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void NaN_stays_in_its_column(string name)
    {
        ColumnCase norm = ChannelsFirstCases.Named(name);
        double[] x = norm.Round(TestData.Normal(3 * norm.OuterLength, seed: 204));

        // One NaN in a column that a vector covers, another in the last column (a scalar tail where there is one).
        (int O, int R, int Q)[] poisoned = [(1, norm.Reduced / 2, 0), (2, norm.Reduced - 1, norm.Inner - 1)];
        foreach ((int o, int r, int q) in poisoned)
        {
            x[ColumnReference.Index(norm, o, r, q)] = double.NaN;
        }

        (double[]? weight, double[]? bias) = ColumnData.Parameters(norm, seed: 205);
        ColumnForward saved = norm.Forward(x, weight, bias);
        double[] dx = norm.Backward(x.Select(_ => 1.0).ToArray(), x, weight, bias, saved).GradInput;

        for (int i = 0; i < x.Length; i++)
        {
            int q = i % norm.Inner, o = i / norm.OuterLength;
            bool inPoisonedColumn = poisoned.Any(p => p.O == o && p.Q == q);
            Assert.True(inPoisonedColumn == double.IsNaN(saved.Output[i]), $"y[{i}] = {saved.Output[i]}");
            Assert.True(inPoisonedColumn == double.IsNaN(dx[i]), $"dx[{i}] = {dx[i]}");
        }
    }

    [Fact]
    public void Parameter_gradients_are_bitwise_reproducible_however_the_work_is_scheduled()
    {
        // Large enough for several reduction blocks, and for several workers where the machine has the cores.
        // Blocks are fixed by the shape; repeated calls hand them to threads in different orders, and concurrent
        // calls compete for the cores, so each sees a different effective thread count.
        ColumnCase norm = ChannelsFirstCases.C96;
        AssertReproducible(norm, 64, seed: 206);
    }

    [Fact]
    public void Parameter_gradients_of_Half_kernels_are_bitwise_reproducible_however_the_work_is_scheduled()
    {
        AssertReproducible(ChannelsFirstCases.HalfWide, 40, seed: 209);
    }

    private static void AssertReproducible(ColumnCase norm, int outer, int seed)
    {
        double[] x = norm.Round(TestData.Normal(outer * norm.OuterLength, seed));
        double[] dy = norm.Round(TestData.Normal(x.Length, seed + 1));
        (double[]? weight, double[]? bias) = ColumnData.Parameters(norm, seed + 2);
        ColumnForward saved = norm.Forward(x, weight, bias);

        (ulong[] Weight, ulong[] Bias) first = norm.ParameterGradientBits(dy, x, weight, bias, saved);
        for (int run = 0; run < 3; run++)
        {
            (ulong[] Weight, ulong[] Bias) again = norm.ParameterGradientBits(dy, x, weight, bias, saved);
            Assert.Equal(first.Weight, again.Weight);
            Assert.Equal(first.Bias, again.Bias);
        }

        Task<(ulong[] Weight, ulong[] Bias)>[] concurrent = Enumerable.Range(0, 4)
            .Select(_ => Task.Run(() => norm.ParameterGradientBits(dy, x, weight, bias, saved)))
            .ToArray();
        foreach (Task<(ulong[] Weight, ulong[] Bias)> call in concurrent)
        {
            Assert.Equal(first.Weight, call.Result.Weight);
            Assert.Equal(first.Bias, call.Result.Bias);
        }
    }
}
