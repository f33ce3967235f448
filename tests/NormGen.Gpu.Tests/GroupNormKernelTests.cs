using System;
using System.Linq;
using NormGen.Gpu.Tests.Support;
using Xunit;
using Xunit.Sdk;

namespace NormGen.Gpu.Tests;

/// <summary>The generated GroupNorm and InstanceNorm GPU kernels on ILGPU's CPU accelerator against a float64 reference.</summary>
public sealed class GroupNormKernelTests : IClassFixture<CpuAccelerators>
{
    private readonly CpuAccelerators _accelerators;

    public GroupNormKernelTests(CpuAccelerators accelerators) => _accelerators = accelerators;

    [Fact]
    public void Channels_first_float_GroupNorm_matches_the_reference_and_the_cpu_kernel()
    {
        const int Batch = 3, C = GpuGroupNorms.GnGpu.Channels, G = GpuGroupNorms.GnGpu.Groups, S = GpuGroupNorms.GnGpu.Spatial;
        var reference = new GroupNormReference(C, G, S, channelsLast: false);
        double[] x = Round(TestData.Normal(Batch * C * S, 1, mean: 2, std: 3)), dy = Round(TestData.Normal(Batch * C * S, 2));
        double[] w = Round(TestData.Normal(C, 3, mean: 1, std: 0.3)), b = Round(TestData.Normal(C, 4));
        double eps = GpuGroupNorms.GnGpu.Epsilon;

        using var device = new Device(_accelerators.Default);
        var (xv, wv, bv, yv) = (device.Float(x), device.Float(w), device.Float(b), device.Float(new double[x.Length]));
        var (meanv, rstdv) = (device.Float(new double[Batch * G]), device.Float(new double[Batch * G]));
        GpuGroupNorms.GnGpu.Forward(device.Stream, xv, wv, bv, yv, meanv, rstdv);
        var (dyv, dxv, dwv, dbv) = (device.Float(dy), device.Float(new double[x.Length]), device.Float(new double[C]), device.Float(new double[C]));
        GpuGroupNorms.GnGpu.Backward(device.Stream, dyv, xv, wv, meanv, rstdv, dxv, dwv, dbv, device.Float(new double[GpuGroupNorms.GnGpu.WorkspaceLength(Batch)]));
        device.Synchronize();

        var expected = reference.Forward(x, eps, w, b);
        AssertClose(expected.Y, Device.Read(yv), 2e-5, "y");
        AssertClose(expected.Mean, Device.Read(meanv), 2e-5, "mean");
        AssertClose(expected.Rstd, Device.Read(rstdv), 2e-5, "rstd");
        var gradients = reference.Backward(dy, x, eps, w);
        AssertClose(gradients.Dx, Device.Read(dxv), 2e-5, "dx");
        AssertClose(gradients.Dw, Device.Read(dwv), 2e-4, "dγ");
        AssertClose(gradients.Db, Device.Read(dbv), 2e-4, "dβ");

        float[] cpuY = new float[x.Length], cpuDx = new float[x.Length], cpuDw = new float[C], cpuDb = new float[C], cpuMean = new float[Batch * G], cpuRstd = new float[Batch * G];
        GpuGroupNorms.Gn.Forward(ToFloat(x), ToFloat(w), ToFloat(b), cpuY, cpuMean, cpuRstd);
        GpuGroupNorms.Gn.Backward(ToFloat(dy), ToFloat(x), ToFloat(w), cpuMean, cpuRstd, cpuDx, cpuDw, cpuDb);
        AssertClose(cpuY.Select(v => (double)v).ToArray(), Device.Read(yv), 2e-5, "y vs CPU");
        AssertClose(cpuDx.Select(v => (double)v).ToArray(), Device.Read(dxv), 2e-5, "dx vs CPU");
        AssertClose(cpuDw.Select(v => (double)v).ToArray(), Device.Read(dwv), 2e-4, "dγ vs CPU");
    }

    [Fact]
    public void Channels_last_Half_GroupNorm_matches_the_reference()
    {
        const int Batch = 2, C = GpuGroupNorms.GnLastHalfGpu.Channels, G = GpuGroupNorms.GnLastHalfGpu.Groups, S = GpuGroupNorms.GnLastHalfGpu.Spatial;
        var reference = new GroupNormReference(C, G, S, channelsLast: true);
        double[] x = RoundHalf(TestData.Normal(Batch * C * S, 11, mean: 1)), dy = RoundHalf(TestData.Normal(Batch * C * S, 12));
        double[] w = RoundHalf(TestData.Normal(C, 13, mean: 1, std: 0.3)), b = RoundHalf(TestData.Normal(C, 14));
        double eps = GpuGroupNorms.GnLastHalfGpu.Epsilon;

        using var device = new Device(_accelerators.Default);
        var (xv, wv, bv, yv) = (device.Half(x), device.Half(w), device.Half(b), device.Half(new double[x.Length]));
        var (meanv, rstdv) = (device.Float(new double[Batch * G]), device.Float(new double[Batch * G]));
        GpuGroupNorms.GnLastHalfGpu.Forward(device.Stream, xv, wv, bv, yv, meanv, rstdv);
        var (dyv, dxv, dwv, dbv) = (device.Half(dy), device.Half(new double[x.Length]), device.Half(new double[C]), device.Half(new double[C]));
        GpuGroupNorms.GnLastHalfGpu.Backward(device.Stream, dyv, xv, wv, meanv, rstdv, dxv, dwv, dbv, device.Float(new double[GpuGroupNorms.GnLastHalfGpu.WorkspaceLength(Batch)]));
        device.Synchronize();

        AssertClose(reference.Forward(x, eps, w, b).Y, Device.Read(yv), 4e-3, "y");
        var gradients = reference.Backward(dy, x, eps, w);
        AssertClose(gradients.Dx, Device.Read(dxv), 4e-3, "dx");
        AssertClose(gradients.Dw, Device.Read(dwv), 2e-2, "dγ");
        AssertClose(gradients.Db, Device.Read(dbv), 2e-2, "dβ");
    }

    [Fact]
    public void One_group_without_affine_parameters_is_a_LayerNorm_over_each_sample()
    {
        const int Batch = 2, C = GpuGroupNorms.GnOneGpu.Channels, S = GpuGroupNorms.GnOneGpu.Spatial;
        var reference = new GroupNormReference(C, 1, S, channelsLast: false);
        double[] x = Round(TestData.Normal(Batch * C * S, 21, mean: 300)), dy = Round(TestData.Normal(Batch * C * S, 22));
        double eps = GpuGroupNorms.GnOneGpu.Epsilon;

        using var device = new Device(_accelerators.Default);
        var (xv, yv, meanv, rstdv) = (device.Float(x), device.Float(new double[x.Length]), device.Float(new double[Batch]), device.Float(new double[Batch]));
        GpuGroupNorms.GnOneGpu.Forward(device.Stream, xv, yv, meanv, rstdv);
        var dxv = device.Float(new double[x.Length]);
        GpuGroupNorms.GnOneGpu.Backward(device.Stream, device.Float(dy), xv, meanv, rstdv, dxv);
        device.Synchronize();

        // A common offset of 300: the two-pass variance keeps the normalized values to a few float ulps of 300.
        AssertClose(reference.Forward(x, eps, null, null).Y, Device.Read(yv), 2e-4, "y");
        AssertClose(reference.Backward(dy, x, eps, null).Dx, Device.Read(dxv), 2e-4, "dx");
    }

    [Fact]
    public void InstanceNorm_double_and_channels_last_float_match_the_reference()
    {
        {
            const int Batch = 2, C = GpuGroupNorms.InstGpu.Channels, S = GpuGroupNorms.InstGpu.Spatial;
            var reference = new GroupNormReference(C, C, S, channelsLast: false);
            double[] x = TestData.Normal(Batch * C * S, 31, mean: -4), dy = TestData.Normal(Batch * C * S, 32);
            using var device = new Device(_accelerators.Default);
            var (xv, yv, meanv, rstdv, dxv) = (device.Double(x), device.Double(new double[x.Length]), device.Double(new double[Batch * C]), device.Double(new double[Batch * C]), device.Double(new double[x.Length]));
            GpuGroupNorms.InstGpu.Forward(device.Stream, xv, yv, meanv, rstdv);
            GpuGroupNorms.InstGpu.Backward(device.Stream, device.Double(dy), xv, meanv, rstdv, dxv);
            device.Synchronize();
            AssertClose(reference.Forward(x, GpuGroupNorms.InstGpu.Epsilon, null, null).Y, Device.Read(yv), 1e-10, "instance y");
            AssertClose(reference.Backward(dy, x, GpuGroupNorms.InstGpu.Epsilon, null).Dx, Device.Read(dxv), 1e-10, "instance dx");
        }

        {
            const int Batch = 3, C = GpuGroupNorms.InstLastGpu.Channels, S = GpuGroupNorms.InstLastGpu.Spatial;
            var reference = new GroupNormReference(C, C, S, channelsLast: true);
            double[] x = Round(TestData.Normal(Batch * C * S, 41)), dy = Round(TestData.Normal(Batch * C * S, 42));
            double[] w = Round(TestData.Normal(C, 43, mean: 1)), b = Round(TestData.Normal(C, 44));
            using var device = new Device(_accelerators.Default);
            var (xv, wv, bv, yv) = (device.Float(x), device.Float(w), device.Float(b), device.Float(new double[x.Length]));
            var (meanv, rstdv, dxv, dwv, dbv) = (device.Float(new double[Batch * C]), device.Float(new double[Batch * C]), device.Float(new double[x.Length]), device.Float(new double[C]), device.Float(new double[C]));
            GpuGroupNorms.InstLastGpu.Forward(device.Stream, xv, wv, bv, yv, meanv, rstdv);
            GpuGroupNorms.InstLastGpu.Backward(device.Stream, device.Float(dy), xv, wv, meanv, rstdv, dxv, dwv, dbv, device.Float(new double[GpuGroupNorms.InstLastGpu.WorkspaceLength(Batch)]));
            device.Synchronize();
            double eps = GpuGroupNorms.InstLastGpu.Epsilon;
            AssertClose(reference.Forward(x, eps, w, b).Y, Device.Read(yv), 2e-5, "instance channels-last y");
            var gradients = reference.Backward(dy, x, eps, w);
            AssertClose(gradients.Dx, Device.Read(dxv), 2e-5, "instance channels-last dx");
            AssertClose(gradients.Dw, Device.Read(dwv), 2e-4, "instance channels-last dγ");
            AssertClose(gradients.Db, Device.Read(dbv), 2e-4, "instance channels-last dβ");
        }
    }

    [Fact]
    public void InstanceNorm_with_running_statistics_trains_and_evaluates_like_the_reference_and_the_cpu_kernel()
    {
        const int Batch = 3, C = GpuGroupNorms.InstRunningGpu.Channels, S = GpuGroupNorms.InstRunningGpu.Spatial;
        var reference = new GroupNormReference(C, C, S, channelsLast: false);
        double[] x = Round(TestData.Normal(Batch * C * S, 71, mean: 2, std: 3));
        double[] w = Round(TestData.Normal(C, 72, mean: 1, std: 0.3)), b = Round(TestData.Normal(C, 73));
        double[] runMean = Round(TestData.Normal(C, 74)), runVar = Round(TestData.Normal(C, 75, mean: 2, std: 0.2));
        double eps = GpuGroupNorms.InstRunningGpu.Epsilon, momentum = GpuGroupNorms.InstRunningGpu.Momentum;

        using var device = new Device(_accelerators.Default);
        var (xv, wv, bv, yv, rmv, rvv) = (device.Float(x), device.Float(w), device.Float(b), device.Float(new double[x.Length]), device.Float(runMean), device.Float(runVar));
        var (meanv, rstdv) = (device.Float(new double[Batch * C]), device.Float(new double[Batch * C]));
        GpuGroupNorms.InstRunningGpu.ForwardTraining(device.Stream, xv, wv, bv, yv, rmv, rvv, meanv, rstdv, device.Float(new double[GpuGroupNorms.InstRunningGpu.WorkspaceLength(Batch)]));
        device.Synchronize();

        var expected = reference.Forward(x, eps, w, b);
        AssertClose(expected.Y, Device.Read(yv), 2e-5, "training y");
        double[] instanceMean = expected.Mean, instanceVar = expected.Rstd.Select(r => (1 / (r * r) - eps) * S / (S - 1)).ToArray();
        double[] expectedMean = runMean.Select((r, c) => (1 - momentum) * r + momentum * Enumerable.Range(0, Batch).Average(n => instanceMean[n * C + c])).ToArray();
        double[] expectedVar = runVar.Select((r, c) => (1 - momentum) * r + momentum * Enumerable.Range(0, Batch).Average(n => instanceVar[n * C + c])).ToArray();
        AssertClose(expectedMean, Device.Read(rmv), 2e-5, "runningMean");
        AssertClose(expectedVar, Device.Read(rvv), 2e-5, "runningVar");

        float[] cpuY = new float[x.Length], cpuMean = ToFloat(runMean), cpuVar = ToFloat(runVar);
        GpuGroupNorms.InstRunning.ForwardTraining(ToFloat(x), ToFloat(w), ToFloat(b), cpuY, cpuMean, cpuVar);
        AssertClose(cpuMean.Select(v => (double)v).ToArray(), Device.Read(rmv), 2e-5, "runningMean vs CPU");
        AssertClose(cpuVar.Select(v => (double)v).ToArray(), Device.Read(rvv), 2e-5, "runningVar vs CPU");

        // Evaluation with the updated running statistics, as if every instance had them.
        GpuGroupNorms.InstRunningGpu.ForwardEval(device.Stream, xv, wv, bv, rmv, rvv, yv);
        device.Synchronize();
        float[] cpuEval = new float[x.Length];
        GpuGroupNorms.InstRunning.ForwardEval(ToFloat(x), ToFloat(w), ToFloat(b), cpuMean, cpuVar, cpuEval);
        AssertClose(cpuEval.Select(v => (double)v).ToArray(), Device.Read(yv), 2e-5, "eval y vs CPU");
        double[] updatedMean = Device.Read(rmv), updatedVar = Device.Read(rvv);
        double[] evalExpected = Enumerable.Range(0, x.Length).Select(i =>
        {
            int c = i / S % C;
            return (x[i] - updatedMean[c]) / Math.Sqrt(updatedVar[c] + eps) * w[c] + b[c];
        }).ToArray();
        AssertClose(evalExpected, Device.Read(yv), 2e-5, "eval y");
    }

    [Fact]
    public void Two_runs_are_bitwise_identical_and_a_short_workspace_is_rejected()
    {
        const int Batch = 4, C = GpuGroupNorms.GnGpu.Channels, S = GpuGroupNorms.GnGpu.Spatial, G = GpuGroupNorms.GnGpu.Groups;
        double[] x = Round(TestData.Normal(Batch * C * S, 51)), dy = Round(TestData.Normal(Batch * C * S, 52)), w = Round(TestData.Normal(C, 53, mean: 1));
        using var device = new Device(_accelerators.Default);
        double[][] Run()
        {
            var (xv, wv, yv, meanv, rstdv) = (device.Float(x), device.Float(w), device.Float(new double[x.Length]), device.Float(new double[Batch * G]), device.Float(new double[Batch * G]));
            var (dxv, dwv, dbv) = (device.Float(new double[x.Length]), device.Float(new double[C]), device.Float(new double[C]));
            GpuGroupNorms.GnGpu.Forward(device.Stream, xv, wv, wv, yv, meanv, rstdv);
            GpuGroupNorms.GnGpu.Backward(device.Stream, device.Float(dy), xv, wv, meanv, rstdv, dxv, dwv, dbv, device.Float(new double[GpuGroupNorms.GnGpu.WorkspaceLength(Batch)]));
            device.Synchronize();
            return [Device.Read(yv), Device.Read(dxv), Device.Read(dwv), Device.Read(dbv)];
        }

        double[][] first = Run(), second = Run();
        for (int i = 0; i < first.Length; i++)
        {
            Assert.Equal(first[i], second[i]);
        }

        var (xs, cs, stats) = (device.Float(x), device.Float(new double[C]), device.Float(new double[Batch * G]));
        var shortWorkspace = device.Float(new double[GpuGroupNorms.GnGpu.WorkspaceLength(Batch) - 1]);
        Assert.Equal("workspace", Assert.ThrowsAny<ArgumentException>(() => GpuGroupNorms.GnGpu.Backward(device.Stream, xs, xs, cs, stats, stats, xs, cs, cs, shortWorkspace)).ParamName);
        Assert.Equal("mean", Assert.ThrowsAny<ArgumentException>(() => GpuGroupNorms.GnGpu.Forward(device.Stream, xs, cs, cs, xs, cs, stats)).ParamName);
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
