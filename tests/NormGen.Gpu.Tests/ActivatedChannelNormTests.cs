using System;
using System.Linq;
using NormGen.Gpu.Tests.Support;
using Xunit;
using Xunit.Sdk;

namespace NormGen.Gpu.Tests;

/// <summary>Channel norms with a fused activation after the affine step, forward and backward through it.</summary>
public sealed class ActivatedChannelNormTests : IClassFixture<CpuAccelerators>
{
    private readonly CpuAccelerators _accelerators;

    public ActivatedChannelNormTests(CpuAccelerators accelerators) => _accelerators = accelerators;

    [Fact]
    public void BatchNorm_with_relu_matches_the_reference()
    {
        const int Batch = 3, C = GpuBatchNorms.BnReluGpu.Channels, S = GpuBatchNorms.BnReluGpu.Spatial;
        var reference = new BatchNormReference(C, S, channelsLast: false);
        double[] x = Round(TestData.Normal(Batch * C * S, 1, mean: 1)), dy = Round(TestData.Normal(Batch * C * S, 2));
        double[] w = Round(TestData.Normal(C, 3, mean: 1, std: 0.3)), b = Round(TestData.Normal(C, 4, std: 0.5));
        double eps = GpuBatchNorms.BnReluGpu.Epsilon;

        using var device = new Device(_accelerators.Default);
        var (xv, wv, bv, rmv, rvv) = (device.Float(x), device.Float(w), device.Float(b), device.Float(new double[C]), device.Float(new double[C]));
        var (yv, meanv, rstdv) = (device.Float(new double[x.Length]), device.Float(new double[C]), device.Float(new double[C]));
        long tracked = 0;
        GpuBatchNorms.BnReluGpu.ForwardTraining(device.Stream, xv, wv, bv, rmv, rvv, ref tracked, yv, meanv, rstdv);
        var (dxv, dwv, dbv) = (device.Float(new double[x.Length]), device.Float(new double[C]), device.Float(new double[C]));
        GpuBatchNorms.BnReluGpu.Backward(device.Stream, device.Float(dy), xv, wv, bv, meanv, rstdv, dxv, dwv, dbv);
        device.Synchronize();

        var (mean, variance) = reference.Statistics(x);
        double[] affine = reference.Normalize(x, mean, variance, eps, w, b);
        Assert.Contains(affine, z => z < 0);
        AssertClose(affine.Select(z => Math.Max(z, 0)).ToArray(), Device.Read(yv), 2e-5, "y");
        double[] masked = dy.Select((g, i) => affine[i] > 0 ? g : 0).ToArray();
        var expected = reference.Backward(masked, x, eps, w);
        AssertClose(expected.Dx, Device.Read(dxv), 2e-5, "dx");
        AssertClose(expected.Dw, Device.Read(dwv), 2e-4, "dγ");
        AssertClose(expected.Db, Device.Read(dbv), 2e-4, "dβ");
    }

    [Fact]
    public void Channels_last_BatchNorm_with_silu_matches_the_reference()
    {
        const int Batch = 5, C = GpuBatchNorms.BnSiluGpu.Channels, S = GpuBatchNorms.BnSiluGpu.Spatial;
        var reference = new BatchNormReference(C, S, channelsLast: true);
        double[] x = Round(TestData.Normal(Batch * C * S, 31, mean: -2, std: 3)), dy = Round(TestData.Normal(Batch * C * S, 32));
        double[] w = Round(TestData.Normal(C, 33, mean: 1, std: 0.3)), b = Round(TestData.Normal(C, 34, std: 0.5));
        double eps = GpuBatchNorms.BnSiluGpu.Epsilon;

        using var device = new Device(_accelerators.Default);
        var (xv, wv, bv, rmv, rvv) = (device.Float(x), device.Float(w), device.Float(b), device.Float(new double[C]), device.Float(new double[C]));
        var (yv, meanv, rstdv) = (device.Float(new double[x.Length]), device.Float(new double[C]), device.Float(new double[C]));
        long tracked = 0;
        GpuBatchNorms.BnSiluGpu.ForwardTraining(device.Stream, xv, wv, bv, rmv, rvv, ref tracked, yv, meanv, rstdv);
        var (dxv, dwv, dbv) = (device.Float(new double[x.Length]), device.Float(new double[C]), device.Float(new double[C]));
        GpuBatchNorms.BnSiluGpu.Backward(device.Stream, device.Float(dy), xv, wv, bv, meanv, rstdv, dxv, dwv, dbv);
        device.Synchronize();

        var (mean, variance) = reference.Statistics(x);
        double[] affine = reference.Normalize(x, mean, variance, eps, w, b);
        AssertClose(affine.Select(z => z / (1 + Math.Exp(-z))).ToArray(), Device.Read(yv), 2e-5, "y");
        double[] through = dy.Select((g, i) =>
        {
            double s = 1 / (1 + Math.Exp(-affine[i]));
            return g * (s + affine[i] * s * (1 - s));
        }).ToArray();
        var expected = reference.Backward(through, x, eps, w);
        AssertClose(expected.Dx, Device.Read(dxv), 2e-5, "dx");
        AssertClose(expected.Dw, Device.Read(dwv), 2e-4, "dγ");
        AssertClose(expected.Db, Device.Read(dbv), 2e-4, "dβ");
    }

    [Fact]
    public void GroupNorm_and_InstanceNorm_with_relu_match_the_reference()
    {
        {
            const int Batch = 2, C = GpuGroupNorms.GnReluGpu.Channels, G = GpuGroupNorms.GnReluGpu.Groups, S = GpuGroupNorms.GnReluGpu.Spatial;
            var reference = new GroupNormReference(C, G, S, channelsLast: true);
            double[] x = Round(TestData.Normal(Batch * C * S, 11)), dy = Round(TestData.Normal(Batch * C * S, 12));
            double[] w = Round(TestData.Normal(C, 13, mean: 1, std: 0.3)), b = Round(TestData.Normal(C, 14, std: 0.5));
            double eps = GpuGroupNorms.GnReluGpu.Epsilon;
            using var device = new Device(_accelerators.Default);
            var (xv, wv, bv, yv) = (device.Float(x), device.Float(w), device.Float(b), device.Float(new double[x.Length]));
            var (meanv, rstdv, dxv, dwv, dbv) = (device.Float(new double[Batch * G]), device.Float(new double[Batch * G]), device.Float(new double[x.Length]), device.Float(new double[C]), device.Float(new double[C]));
            GpuGroupNorms.GnReluGpu.Forward(device.Stream, xv, wv, bv, yv, meanv, rstdv);
            GpuGroupNorms.GnReluGpu.Backward(device.Stream, device.Float(dy), xv, wv, bv, meanv, rstdv, dxv, dwv, dbv, device.Float(new double[GpuGroupNorms.GnReluGpu.WorkspaceLength(Batch)]));
            device.Synchronize();

            double[] affine = reference.Forward(x, eps, w, b).Y;
            AssertClose(affine.Select(z => Math.Max(z, 0)).ToArray(), Device.Read(yv), 2e-5, "group y");
            var expected = reference.Backward(dy.Select((g, i) => affine[i] > 0 ? g : 0).ToArray(), x, eps, w);
            AssertClose(expected.Dx, Device.Read(dxv), 2e-5, "group dx");
            AssertClose(expected.Dw, Device.Read(dwv), 2e-4, "group dγ");
            AssertClose(expected.Db, Device.Read(dbv), 2e-4, "group dβ");
        }

        {
            const int Batch = 2, C = GpuGroupNorms.InstReluGpu.Channels, S = GpuGroupNorms.InstReluGpu.Spatial;
            var reference = new GroupNormReference(C, C, S, channelsLast: false);
            double[] x = TestData.Normal(Batch * C * S, 21), dy = TestData.Normal(Batch * C * S, 22);
            double eps = GpuGroupNorms.InstReluGpu.Epsilon;
            using var device = new Device(_accelerators.Default);
            var (xv, yv, meanv, rstdv, dxv) = (device.Double(x), device.Double(new double[x.Length]), device.Double(new double[Batch * C]), device.Double(new double[Batch * C]), device.Double(new double[x.Length]));
            GpuGroupNorms.InstReluGpu.Forward(device.Stream, xv, yv, meanv, rstdv);
            GpuGroupNorms.InstReluGpu.Backward(device.Stream, device.Double(dy), xv, meanv, rstdv, dxv);
            device.Synchronize();

            double[] normalized = reference.Forward(x, eps, null, null).Y;
            AssertClose(normalized.Select(z => Math.Max(z, 0)).ToArray(), Device.Read(yv), 1e-10, "instance y");
            AssertClose(reference.Backward(dy.Select((g, i) => normalized[i] > 0 ? g : 0).ToArray(), x, eps, null).Dx, Device.Read(dxv), 1e-10, "instance dx");
        }
    }

    private static double[] Round(double[] values) => Array.ConvertAll(values, v => (double)(float)v);

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
