using System;
using System.Linq;
using NormGen.Gpu.Tests.Support;
using Xunit;
using Xunit.Sdk;

namespace NormGen.Gpu.Tests;

/// <summary>
/// The generated BatchNorm GPU kernels on ILGPU's CPU accelerator against a float64 reference: training forward
/// with the running-statistics update, evaluation forward, training backward, in each layout they handle.
/// </summary>
public sealed class BatchNormKernelTests : IClassFixture<CpuAccelerators>
{
    private readonly CpuAccelerators _accelerators;

    public BatchNormKernelTests(CpuAccelerators accelerators) => _accelerators = accelerators;

    [Fact]
    public void Channels_first_float_trains_updates_running_statistics_and_back_propagates()
    {
        const int Batch = 4, C = GpuBatchNorms.Bn2dGpu.Channels, S = GpuBatchNorms.Bn2dGpu.Spatial;
        var reference = new BatchNormReference(C, S, channelsLast: false);
        double[] x = Round(TestData.Normal(Batch * C * S, 1, mean: 3, std: 2)), dy = Round(TestData.Normal(Batch * C * S, 2));
        double[] w = Round(TestData.Normal(C, 3, mean: 1, std: 0.3)), b = Round(TestData.Normal(C, 4));
        double[] runMean = Round(TestData.Normal(C, 5)), runVar = Round(TestData.Normal(C, 6, mean: 2, std: 0.1));
        double eps = GpuBatchNorms.Bn2dGpu.Epsilon, momentum = GpuBatchNorms.Bn2dGpu.Momentum;

        using var device = new Device(_accelerators.Default);
        var (xv, wv, bv, rmv, rvv) = (device.Float(x), device.Float(w), device.Float(b), device.Float(runMean), device.Float(runVar));
        var (yv, meanv, rstdv) = (device.Float(new double[x.Length]), device.Float(new double[C]), device.Float(new double[C]));
        long tracked = 0;
        GpuBatchNorms.Bn2dGpu.ForwardTraining(device.Stream, xv, wv, bv, rmv, rvv, ref tracked, yv, meanv, rstdv);
        device.Synchronize();

        var (mean, variance) = reference.Statistics(x);
        int count = Batch * S;
        AssertClose(reference.Normalize(x, mean, variance, eps, w, b), Device.Read(yv), 2e-5, "y");
        AssertClose(mean, Device.Read(meanv), 2e-5, "saveMean");
        AssertClose(variance.Select(v => 1 / Math.Sqrt(v + eps)).ToArray(), Device.Read(rstdv), 2e-5, "saveRstd");
        AssertClose(runMean.Select((r, c) => (1 - momentum) * r + momentum * mean[c]).ToArray(), Device.Read(rmv), 2e-5, "runningMean");
        AssertClose(runVar.Select((r, c) => (1 - momentum) * r + momentum * variance[c] * count / (count - 1)).ToArray(), Device.Read(rvv), 2e-5, "runningVar");
        Assert.Equal(1, tracked);

        var (dyv, dxv, dwv, dbv) = (device.Float(dy), device.Float(new double[x.Length]), device.Float(new double[C]), device.Float(new double[C]));
        GpuBatchNorms.Bn2dGpu.Backward(device.Stream, dyv, xv, wv, meanv, rstdv, dxv, dwv, dbv);
        device.Synchronize();
        var expected = reference.Backward(dy, x, eps, w);
        AssertClose(expected.Dx, Device.Read(dxv), 2e-5, "dx");
        AssertClose(expected.Dw, Device.Read(dwv), 2e-4, "dγ");
        AssertClose(expected.Db, Device.Read(dbv), 2e-4, "dβ");

        // Evaluation: the running statistics (as updated above) instead of the batch's.
        double[] updatedMean = Device.Read(rmv), updatedVar = Device.Read(rvv);
        GpuBatchNorms.Bn2dGpu.ForwardEval(device.Stream, xv, wv, bv, rmv, rvv, yv);
        device.Synchronize();
        AssertClose(reference.Normalize(x, updatedMean, updatedVar, eps, w, b), Device.Read(yv), 2e-5, "eval y");
    }

    [Fact]
    public void Evaluation_backward_treats_the_running_statistics_as_constants()
    {
        const int Batch = 3, C = GpuBatchNorms.Bn2dGpu.Channels, S = GpuBatchNorms.Bn2dGpu.Spatial;
        var reference = new BatchNormReference(C, S, channelsLast: false);
        double[] x = Round(TestData.Normal(Batch * C * S, 61, mean: 1)), dy = Round(TestData.Normal(Batch * C * S, 62));
        double[] w = Round(TestData.Normal(C, 63, mean: 1, std: 0.3)), runMean = Round(TestData.Normal(C, 64)), runVar = Round(TestData.Normal(C, 65, mean: 2, std: 0.2));
        double eps = GpuBatchNorms.Bn2dGpu.Epsilon;

        using var device = new Device(_accelerators.Default);
        var (dxv, dwv, dbv) = (device.Float(new double[x.Length]), device.Float(new double[C]), device.Float(new double[C]));
        GpuBatchNorms.Bn2dGpu.BackwardEval(device.Stream, device.Float(dy), device.Float(x), device.Float(w), device.Float(runMean), device.Float(runVar), dxv, dwv, dbv);
        device.Synchronize();

        // x̂ with the running statistics: the reference's normalization without affine parameters.
        double[] xhat = reference.Normalize(x, runMean, runVar, eps, null, null);
        var expectedDx = new double[x.Length];
        var expectedDw = new double[C];
        var expectedDb = new double[C];
        for (int n = 0; n < Batch; n++)
        for (int c = 0; c < C; c++)
        for (int s = 0; s < S; s++)
        {
            int i = reference.Index(n, c, s);
            expectedDx[i] = dy[i] * w[c] / Math.Sqrt(runVar[c] + eps);
            expectedDw[c] += dy[i] * xhat[i];
            expectedDb[c] += dy[i];
        }

        AssertClose(expectedDx, Device.Read(dxv), 2e-5, "dx");
        AssertClose(expectedDw, Device.Read(dwv), 2e-4, "dγ");
        AssertClose(expectedDb, Device.Read(dbv), 2e-4, "dβ");
    }

    [Fact]
    public void Channels_last_float_matches_the_reference_and_the_cpu_kernel()
    {
        const int Batch = 3, C = GpuBatchNorms.BnLastGpu.Channels, S = GpuBatchNorms.BnLastGpu.Spatial;
        var reference = new BatchNormReference(C, S, channelsLast: true);
        double[] x = Round(TestData.Normal(Batch * C * S, 11, mean: -1)), dy = Round(TestData.Normal(Batch * C * S, 12));
        double[] w = Round(TestData.Normal(C, 13, mean: 1)), b = Round(TestData.Normal(C, 14));
        double eps = GpuBatchNorms.BnLastGpu.Epsilon;

        using var device = new Device(_accelerators.Default);
        var (xv, wv, bv, rmv, rvv) = (device.Float(x), device.Float(w), device.Float(b), device.Float(new double[C]), device.Float(Enumerable.Repeat(1.0, C).ToArray()));
        var (yv, meanv, rstdv) = (device.Float(new double[x.Length]), device.Float(new double[C]), device.Float(new double[C]));
        long tracked = 0;
        GpuBatchNorms.BnLastGpu.ForwardTraining(device.Stream, xv, wv, bv, rmv, rvv, ref tracked, yv, meanv, rstdv);
        var (dyv, dxv, dwv, dbv) = (device.Float(dy), device.Float(new double[x.Length]), device.Float(new double[C]), device.Float(new double[C]));
        GpuBatchNorms.BnLastGpu.Backward(device.Stream, dyv, xv, wv, meanv, rstdv, dxv, dwv, dbv);
        device.Synchronize();

        var (mean, variance) = reference.Statistics(x);
        AssertClose(reference.Normalize(x, mean, variance, eps, w, b), Device.Read(yv), 2e-5, "y");
        var expected = reference.Backward(dy, x, eps, w);
        AssertClose(expected.Dx, Device.Read(dxv), 2e-5, "dx");
        AssertClose(expected.Dw, Device.Read(dwv), 2e-4, "dγ");

        // The CPU kernel of the same declaration.
        float[] cpuY = new float[x.Length], cpuMean = new float[C], cpuRstd = new float[C], runningMean = new float[C], runningVar = Enumerable.Repeat(1f, C).ToArray();
        long cpuTracked = 0;
        GpuBatchNorms.BnLast.ForwardTraining(ToFloat(x), ToFloat(w), ToFloat(b), runningMean, runningVar, ref cpuTracked, cpuY, cpuMean, cpuRstd);
        AssertClose(cpuY.Select(v => (double)v).ToArray(), Device.Read(yv), 2e-5, "y vs CPU");
        AssertClose(runningVar.Select(v => (double)v).ToArray(), Device.Read(rvv), 2e-5, "runningVar vs CPU");
    }

    [Fact]
    public void Half_without_running_statistics_matches_the_reference()
    {
        const int Batch = 2, C = GpuBatchNorms.BnHalfGpu.Channels, S = GpuBatchNorms.BnHalfGpu.Spatial;
        var reference = new BatchNormReference(C, S, channelsLast: false);
        double[] x = RoundHalf(TestData.Normal(Batch * C * S, 21, mean: 1)), dy = RoundHalf(TestData.Normal(Batch * C * S, 22));
        double[] w = RoundHalf(TestData.Normal(C, 23, mean: 1, std: 0.3)), b = RoundHalf(TestData.Normal(C, 24));
        double eps = GpuBatchNorms.BnHalfGpu.Epsilon;

        using var device = new Device(_accelerators.Default);
        var (xv, wv, bv, yv) = (device.Half(x), device.Half(w), device.Half(b), device.Half(new double[x.Length]));
        var (meanv, rstdv) = (device.Float(new double[C]), device.Float(new double[C]));
        GpuBatchNorms.BnHalfGpu.Forward(device.Stream, xv, wv, bv, yv, meanv, rstdv);
        var (dyv, dxv, dwv, dbv) = (device.Half(dy), device.Half(new double[x.Length]), device.Half(new double[C]), device.Half(new double[C]));
        GpuBatchNorms.BnHalfGpu.Backward(device.Stream, dyv, xv, wv, meanv, rstdv, dxv, dwv, dbv);
        device.Synchronize();

        var (mean, variance) = reference.Statistics(x);
        AssertClose(reference.Normalize(x, mean, variance, eps, w, b), Device.Read(yv), 4e-3, "y");
        var expected = reference.Backward(dy, x, eps, w);
        AssertClose(expected.Dx, Device.Read(dxv), 4e-3, "dx");
        AssertClose(expected.Dw, Device.Read(dwv), 2e-2, "dγ");
        AssertClose(expected.Db, Device.Read(dbv), 2e-2, "dβ");
    }

    [Fact]
    public void Double_cumulative_average_without_affine_matches_the_reference_over_two_batches()
    {
        const int Batch = 9, C = GpuBatchNorms.Bn1dGpu.Channels;
        var reference = new BatchNormReference(C, 1, channelsLast: true);
        double eps = GpuBatchNorms.Bn1dGpu.Epsilon;
        double[] first = TestData.Normal(Batch * C, 31, mean: 1e6), second = TestData.Normal(Batch * C, 32, mean: -5);

        using var device = new Device(_accelerators.Default);
        var (rmv, rvv) = (device.Double(new double[C]), device.Double(Enumerable.Repeat(1.0, C).ToArray()));
        var (yv, meanv, rstdv) = (device.Double(new double[Batch * C]), device.Double(new double[C]), device.Double(new double[C]));
        long tracked = 0;
        GpuBatchNorms.Bn1dGpu.ForwardTraining(device.Stream, device.Double(first), rmv, rvv, ref tracked, yv, meanv, rstdv);
        GpuBatchNorms.Bn1dGpu.ForwardTraining(device.Stream, device.Double(second), rmv, rvv, ref tracked, yv, meanv, rstdv);
        device.Synchronize();

        // Cumulative average (momentum = 1/numBatchesTracked): the plain mean of the two batches' statistics.
        var (mean1, var1) = reference.Statistics(first);
        var (mean2, var2) = reference.Statistics(second);
        double unbias = Batch / (Batch - 1.0);
        AssertClose(mean1.Select((m, c) => (m + mean2[c]) / 2).ToArray(), Device.Read(rmv), 1e-9, "runningMean");
        AssertClose(var1.Select((v, c) => (v * unbias + var2[c] * unbias) / 2).ToArray(), Device.Read(rvv), 1e-9, "runningVar");
        AssertClose(reference.Normalize(second, mean2, var2, eps, null, null), Device.Read(yv), 1e-9, "y");
        Assert.Equal(2, tracked);

        // Large offset: the first batch's variance survives its 1e6 mean.
        GpuBatchNorms.Bn1dGpu.ForwardTraining(device.Stream, device.Double(first), rmv, rvv, ref tracked, yv, meanv, rstdv);
        device.Synchronize();
        AssertClose(var1.Select(v => 1 / Math.Sqrt(v + eps)).ToArray(), Device.Read(rstdv), 1e-9, "rstd at offset 1e6");
    }

    [Fact]
    public void Two_runs_are_bitwise_identical_and_bad_views_are_rejected()
    {
        const int Batch = 5, C = GpuBatchNorms.Bn2dGpu.Channels, S = GpuBatchNorms.Bn2dGpu.Spatial;
        double[] x = Round(TestData.Normal(Batch * C * S, 41)), dy = Round(TestData.Normal(Batch * C * S, 42));
        double[] w = Enumerable.Repeat(1.5, C).ToArray(), b = new double[C];
        using var device = new Device(_accelerators.Default);
        double[][] Run()
        {
            var (xv, wv, bv, rmv, rvv) = (device.Float(x), device.Float(w), device.Float(b), device.Float(new double[C]), device.Float(new double[C]));
            var (yv, meanv, rstdv) = (device.Float(new double[x.Length]), device.Float(new double[C]), device.Float(new double[C]));
            var (dxv, dwv, dbv) = (device.Float(new double[x.Length]), device.Float(new double[C]), device.Float(new double[C]));
            long tracked = 0;
            GpuBatchNorms.Bn2dGpu.ForwardTraining(device.Stream, xv, wv, bv, rmv, rvv, ref tracked, yv, meanv, rstdv);
            GpuBatchNorms.Bn2dGpu.Backward(device.Stream, device.Float(dy), xv, wv, meanv, rstdv, dxv, dwv, dbv);
            device.Synchronize();
            return [Device.Read(yv), Device.Read(rvv), Device.Read(dxv), Device.Read(dwv), Device.Read(dbv)];
        }

        double[][] first = Run(), second = Run();
        for (int i = 0; i < first.Length; i++)
        {
            Assert.Equal(first[i], second[i]);
        }

        var (x1, c1) = (device.Float(new double[C * S + 1]), device.Float(new double[C]));
        long count = 0;
        Assert.Equal("input", Assert.ThrowsAny<ArgumentException>(() => GpuBatchNorms.Bn2dGpu.ForwardTraining(device.Stream, x1, c1, c1, c1, c1, ref count, x1, c1, c1)).ParamName);
        var (x2, c2) = (device.Float(new double[C * S]), device.Float(new double[C - 1]));
        Assert.Equal("weight", Assert.ThrowsAny<ArgumentException>(() => GpuBatchNorms.Bn2dGpu.ForwardEval(device.Stream, x2, c2, c2, c2, c2, x2)).ParamName);

        // A single value per channel has no variance to normalize with, as in PyTorch.
        var (one, ones) = (device.Double(new double[GpuBatchNorms.Bn1dGpu.Channels]), device.Double(new double[GpuBatchNorms.Bn1dGpu.Channels]));
        Assert.Equal("input", Assert.ThrowsAny<ArgumentException>(() => GpuBatchNorms.Bn1dGpu.ForwardTraining(device.Stream, one, ones, ones, ref count, one, ones, ones)).ParamName);
    }

    private static double[] Round(double[] values) => Array.ConvertAll(values, v => (double)(float)v);

    private static double[] RoundHalf(double[] values) => Array.ConvertAll(values, v => (double)(float)(System.Half)v);

    private static float[] ToFloat(double[] values) => Array.ConvertAll(values, v => (float)v);

    /// <summary>|actual - expected| ≤ tolerance·(1 + |expected|) for every element.</summary>
    private static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance * (1 + Math.Abs(expected[i]))))
            {
                throw new XunitException($"{what}[{i}]: {actual[i]:R}, expected {expected[i]:R}");
            }
        }
    }
}
