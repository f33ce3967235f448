using System;
using System.Linq;
using NormGen.Gpu.Tests.Support;
using Xunit;

namespace NormGen.Gpu.Tests;

/// <summary>
/// The generated LayerNorm/RMSNorm GPU kernels on ILGPU's CPU accelerator, held to a float64 reference:
/// forward (output and saved statistics) and backward (input and parameter gradients).
/// </summary>
public sealed class RowNormKernelTests : IClassFixture<CpuAccelerators>
{
    private readonly CpuAccelerators _accelerators;

    public RowNormKernelTests(CpuAccelerators accelerators) => _accelerators = accelerators;

    public static TheoryData<string> Kernels => new(
        "Ln1Gpu", "Ln7Gpu", "Ln256Gpu", "Ln1500Gpu", "LnNoBiasGpu", "LnPlainGpu", "Ln100hGpu", "Ln1500hGpu",
        "Ln100dGpu", "Ln1500dGpu", "Rms7Gpu", "Rms1500Gpu", "RmsPlainGpu", "Rms100hGpu", "Rms100dGpu");

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Forward_matches_the_reference_for_one_and_several_rows(string name)
    {
        var kernel = new GpuKernel(name);
        foreach (int rows in new[] { 1, 6 })
        {
            AssertForward(kernel, _accelerators.Default, rows, seed: rows);
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Backward_matches_the_reference_for_one_and_several_rows(string name)
    {
        var kernel = new GpuKernel(name);
        foreach (int rows in new[] { 1, 6 })
        {
            AssertBackward(kernel, _accelerators.Default, rows, seed: 10 + rows);
        }
    }

    [Theory]
    [InlineData("Ln7Gpu")]
    [InlineData("Ln256Gpu")]
    [InlineData("Ln1500Gpu")]
    [InlineData("Ln100hGpu")]
    [InlineData("Rms1500Gpu")]
    public void Warps_of_32_give_the_same_results_as_the_reference(string name)
    {
        var kernel = new GpuKernel(name);
        AssertForward(kernel, _accelerators.Warp32, rows: 3, seed: 21);
        AssertBackward(kernel, _accelerators.Warp32, rows: 3, seed: 22);
    }

    [Theory]
    [InlineData("Ln7Gpu")]
    [InlineData("Rms7Gpu")]
    public void Backward_sums_parameter_gradients_when_slots_take_several_rows(string name)
    {
        // More rows than the partial-row limit: every slot back-propagates several rows.
        var kernel = new GpuKernel(name);
        int rows = (int)typeof(GpuNorms).GetNestedType(name)!.GetField("PartialRowLimit")!.GetValue(null)! + 37;
        AssertBackward(kernel, _accelerators.Default, rows, seed: 31);
    }

    [Theory]
    [InlineData("Ln256Gpu")]
    [InlineData("Ln1500Gpu")]
    [InlineData("Ln100hGpu")]
    public void A_constant_row_normalizes_to_the_bias(string name)
    {
        var kernel = new GpuKernel(name);
        double[] x = Enumerable.Repeat(3.25, kernel.RowLength * 2).ToArray();
        double[] weight = kernel.Round(TestData.Normal(kernel.RowLength, 1, mean: 1));
        double[] bias = kernel.Round(TestData.Normal(kernel.RowLength, 2));
        var (y, mean, _) = kernel.Forward(_accelerators.Default, x, weight, bias);
        Assert.All(mean, m => Assert.Equal(3.25, m));
        Tolerance.AssertClose(kernel, bias.Concat(bias).ToArray(), y, "y");
    }

    [Theory]
    [InlineData("Ln256Gpu", 300.0, 10)]
    [InlineData("Ln1500Gpu", 300.0, 10)]
    [InlineData("Ln1500dGpu", 1e6, 100)]
    public void Rows_with_a_large_common_offset_keep_their_variance(string name, double offset, double scale)
    {
        // The mean carries the rounding of the offset (a few ulps of it: the scale); E[x²] - E[x]² would lose
        // the variance itself, far beyond that.
        var kernel = new GpuKernel(name);
        int rows = 3;
        double[] x = kernel.Round(TestData.Normal(kernel.RowLength * rows, 5, mean: offset));
        double[] weight = kernel.Round(TestData.Normal(kernel.RowLength, 6, mean: 1, std: 0.5));
        double[] bias = kernel.Round(TestData.Normal(kernel.RowLength, 7, std: 0.5));
        var expected = Reference.Forward(kernel.Centered, kernel.RowLength, kernel.Epsilon, x, weight, bias);
        var actual = kernel.Forward(_accelerators.Default, x, weight, bias);
        Tolerance.AssertClose(kernel, expected.Rstd, actual.Rstd, "rstd");
        Tolerance.AssertClose(kernel, expected.Y, actual.Y, "y", scale);
    }

    [Theory]
    [InlineData("Ln7Gpu")]
    [InlineData("Ln1500Gpu")]
    [InlineData("Ln1500hGpu")]
    [InlineData("Rms1500Gpu")]
    public void Two_runs_give_bitwise_identical_results(string name)
    {
        var kernel = new GpuKernel(name);
        int rows = 9;
        double[] x = kernel.Round(TestData.Normal(kernel.RowLength * rows, 41));
        double[] dy = kernel.Round(TestData.Normal(kernel.RowLength * rows, 42));
        double[] weight = kernel.Round(TestData.Normal(kernel.RowLength, 43, mean: 1));
        double[] bias = kernel.Round(TestData.Normal(kernel.RowLength, 44));
        var first = kernel.Forward(_accelerators.Default, x, weight, bias);
        var second = kernel.Forward(_accelerators.Default, x, weight, bias);
        Assert.Equal(first.Y, second.Y);
        Assert.Equal(first.Rstd, second.Rstd);
        var firstGradients = kernel.Backward(_accelerators.Default, dy, x, weight, first.Mean, first.Rstd);
        var secondGradients = kernel.Backward(_accelerators.Default, dy, x, weight, first.Mean, first.Rstd);
        Assert.Equal(firstGradients.Dx, secondGradients.Dx);
        Assert.Equal(firstGradients.Dw, secondGradients.Dw);
        Assert.Equal(firstGradients.Db, secondGradients.Db);
    }

    private static void AssertForward(GpuKernel kernel, ILGPU.Runtime.Accelerator accelerator, int rows, int seed)
    {
        double[] x = kernel.Round(TestData.Normal(kernel.RowLength * rows, seed, mean: 0.5, std: 2));
        double[]? weight = kernel.HasWeight ? kernel.Round(TestData.Normal(kernel.RowLength, seed + 1, mean: 1, std: 0.5)) : null;
        double[]? bias = kernel.HasBias ? kernel.Round(TestData.Normal(kernel.RowLength, seed + 2, std: 0.5)) : null;
        var expected = Reference.Forward(kernel.Centered, kernel.RowLength, kernel.Epsilon, x, weight, bias);
        var actual = kernel.Forward(accelerator, x, weight, bias);
        Tolerance.AssertClose(kernel, expected.Y, actual.Y, $"y ({rows} rows)");
        Tolerance.AssertClose(kernel, expected.Rstd, actual.Rstd, $"rstd ({rows} rows)");
        if (kernel.Centered)
        {
            Tolerance.AssertClose(kernel, expected.Mean, actual.Mean, $"mean ({rows} rows)");
        }
    }

    private static void AssertBackward(GpuKernel kernel, ILGPU.Runtime.Accelerator accelerator, int rows, int seed)
    {
        double[] x = kernel.Round(TestData.Normal(kernel.RowLength * rows, seed, std: 1.5));
        double[] dy = kernel.Round(TestData.Normal(kernel.RowLength * rows, seed + 1));
        double[]? weight = kernel.HasWeight ? kernel.Round(TestData.Normal(kernel.RowLength, seed + 2, mean: 1, std: 0.5)) : null;
        var saved = Reference.Forward(kernel.Centered, kernel.RowLength, kernel.Epsilon, x, null, null);
        var expected = Reference.Backward(kernel.Centered, kernel.RowLength, kernel.Epsilon, dy, x, weight);
        var actual = kernel.Backward(accelerator, dy, x, weight, saved.Mean, saved.Rstd);
        Tolerance.AssertClose(kernel, expected.Dx, actual.Dx, $"dx ({rows} rows)");
        if (kernel.HasWeight)
        {
            Tolerance.AssertClose(kernel, expected.Dw, actual.Dw, $"dγ ({rows} rows)", scale: Math.Sqrt(rows) * 4);
        }

        if (kernel.HasBias)
        {
            Tolerance.AssertClose(kernel, expected.Db, actual.Db, $"dβ ({rows} rows)", scale: Math.Sqrt(rows) * 4);
        }
    }
}
