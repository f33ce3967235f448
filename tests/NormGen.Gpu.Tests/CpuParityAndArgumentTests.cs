using System;
using System.Collections.Generic;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;
using NormGen.Gpu.Tests.Support;
using Xunit;

namespace NormGen.Gpu.Tests;

/// <summary>The GPU kernels agree with the generated CPU kernels, reject malformed views, and exist only for supported norms.</summary>
public sealed class CpuParityAndArgumentTests : IClassFixture<CpuAccelerators>
{
    private readonly CpuAccelerators _accelerators;

    public CpuParityAndArgumentTests(CpuAccelerators accelerators) => _accelerators = accelerators;

    [Fact]
    public void Float_LayerNorm_matches_the_cpu_kernel()
    {
        var kernel = new GpuKernel("Ln1500Gpu");
        int rows = 5, d = kernel.RowLength;
        float[] x = ToFloat(TestData.Normal(rows * d, 1, mean: 2)), dy = ToFloat(TestData.Normal(rows * d, 2));
        float[] w = ToFloat(TestData.Normal(d, 3, mean: 1)), b = ToFloat(TestData.Normal(d, 4));
        float[] y = new float[rows * d], mean = new float[rows], rstd = new float[rows];
        float[] dx = new float[rows * d], dw = new float[d], db = new float[d];
        GpuNorms.Ln1500.Forward(x, w, b, y, mean, rstd);
        GpuNorms.Ln1500.Backward(dy, x, w, mean, rstd, dx, dw, db);

        var gpu = kernel.Forward(_accelerators.Default, ToDouble(x), ToDouble(w), ToDouble(b));
        Tolerance.AssertClose(kernel, ToDouble(y), gpu.Y, "y");
        Tolerance.AssertClose(kernel, ToDouble(rstd), gpu.Rstd, "rstd");
        var gradients = kernel.Backward(_accelerators.Default, ToDouble(dy), ToDouble(x), ToDouble(w), ToDouble(mean), ToDouble(rstd));
        Tolerance.AssertClose(kernel, ToDouble(dx), gradients.Dx, "dx");
        Tolerance.AssertClose(kernel, ToDouble(dw), gradients.Dw, "dγ", scale: 10);
        Tolerance.AssertClose(kernel, ToDouble(db), gradients.Db, "dβ", scale: 10);
    }

    [Fact]
    public void Half_RmsNorm_matches_the_cpu_kernel()
    {
        var kernel = new GpuKernel("Rms100hGpu");
        int rows = 7, d = kernel.RowLength;
        System.Half[] x = ToHalf(TestData.Normal(rows * d, 11)), dy = ToHalf(TestData.Normal(rows * d, 12));
        System.Half[] w = ToHalf(TestData.Normal(d, 13, mean: 1));
        System.Half[] y = new System.Half[rows * d], dx = new System.Half[rows * d], dw = new System.Half[d];
        float[] rstd = new float[rows];
        GpuNorms.Rms100h.Forward(x, w, y, rstd);
        GpuNorms.Rms100h.Backward(dy, x, w, rstd, dx, dw);

        var gpu = kernel.Forward(_accelerators.Default, ToDouble(x), ToDouble(w), null);
        Tolerance.AssertClose(kernel, ToDouble(y), gpu.Y, "y");
        Tolerance.AssertClose(kernel, rstd.Select(v => (double)v).ToArray(), gpu.Rstd, "rstd");
        var gradients = kernel.Backward(_accelerators.Default, ToDouble(dy), ToDouble(x), ToDouble(w), new double[rows], rstd.Select(v => (double)v).ToArray());
        Tolerance.AssertClose(kernel, ToDouble(dx), gradients.Dx, "dx");
        Tolerance.AssertClose(kernel, ToDouble(dw), gradients.Dw, "dγ", scale: 4);
    }

    [Fact]
    public void Malformed_views_are_rejected_with_the_argument_name()
    {
        var kernel = new GpuKernel("Ln7Gpu");
        Accelerator accelerator = _accelerators.Default;
        using var scope = new GpuKernel.DeviceScope(accelerator, kernel);
        var valid = new Dictionary<string, object>
        {
            ["stream"] = accelerator.DefaultStream,
            ["input"] = scope.Elements(new double[14]),
            ["weight"] = scope.Elements(new double[7]),
            ["bias"] = scope.Elements(new double[7]),
            ["output"] = scope.Elements(new double[14]),
            ["mean"] = scope.Statistics(2),
            ["rstd"] = scope.Statistics(2),
        };
        kernel.Invoke("Forward", valid);

        AssertRejected(kernel, valid, "input", scope.Elements(new double[13]));
        AssertRejected(kernel, valid, "weight", scope.Elements(new double[6]));
        AssertRejected(kernel, valid, "output", scope.Elements(new double[7]));
        AssertRejected(kernel, valid, "rstd", scope.Statistics(3));

        var backward = new Dictionary<string, object>(valid)
        {
            ["gradOutput"] = scope.Elements(new double[14]),
            ["gradInput"] = scope.Elements(new double[14]),
            ["gradWeight"] = scope.Elements(new double[7]),
            ["gradBias"] = scope.Elements(new double[7]),
            ["workspace"] = scope.Statistics(2 * 2 * 7),
        };
        kernel.Invoke("Backward", backward);
        AssertRejected(kernel, backward, "workspace", scope.Statistics(2 * 2 * 7 - 1), "Backward");
        AssertRejected(kernel, backward, "gradBias", scope.Elements(new double[8]), "Backward");
        Assert.Throws<ArgumentNullException>("stream", () => kernel.Invoke("Forward", new Dictionary<string, object>(valid) { ["stream"] = null! }));
    }

    [Fact]
    public void The_preferred_accelerator_falls_back_to_the_cpu_without_a_gpu()
    {
        using Context context = NormGen.Gpu.GpuAccelerators.CreateContext();
        using Accelerator accelerator = NormGen.Gpu.GpuAccelerators.CreatePreferred(context);
        AcceleratorType expected = context.Devices.Any(d => d.AcceleratorType == AcceleratorType.Cuda) ? AcceleratorType.Cuda
            : context.Devices.Any(d => d.AcceleratorType == AcceleratorType.OpenCL) ? AcceleratorType.OpenCL
            : AcceleratorType.CPU;
        Assert.Equal(expected, accelerator.AcceleratorType);
    }

    private static void AssertRejected(GpuKernel kernel, Dictionary<string, object> valid, string name, object bad, string method = "Forward")
    {
        var arguments = new Dictionary<string, object>(valid) { [name] = bad };
        ArgumentException exception = Assert.ThrowsAny<ArgumentException>(() => kernel.Invoke(method, arguments));
        Assert.Equal(name, exception.ParamName);
    }

    private static float[] ToFloat(double[] values) => Array.ConvertAll(values, v => (float)v);

    private static System.Half[] ToHalf(double[] values) => Array.ConvertAll(values, v => (System.Half)v);

    private static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);

    private static double[] ToDouble(System.Half[] values) => Array.ConvertAll(values, v => (double)v);
}
