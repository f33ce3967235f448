using System;
using System.Collections.Generic;
using System.Linq;
using NormGen.Gpu.Tests.Support;
using Xunit;

namespace NormGen.Gpu.Tests;

/// <summary>
/// Row norms with fused adds in front (input bias, residual) and an activation after, on ILGPU's CPU accelerator,
/// against a float64 reference: forward (output, residual sum, statistics) and backward (input, input-bias and
/// parameter gradients through the activation).
/// </summary>
public sealed class FusedRowNormKernelTests : IClassFixture<CpuAccelerators>
{
    private readonly CpuAccelerators _accelerators;

    public FusedRowNormKernelTests(CpuAccelerators accelerators) => _accelerators = accelerators;

    public static TheoryData<string, string, bool, bool> Kernels => new()
    {
        { "LnResidualGpu", "None", false, true },
        { "LnFusedGpu", "Relu", true, true },
        { "RmsBiasReluHGpu", "Relu", true, false },
        { "RmsBiasDGpu", "None", true, false },
        { "LnResidualTanhGpu", "GeluTanh", false, true },
        { "RmsBiasSiluDGpu", "Silu", true, false },
        { "RmsSiluHGpu", "Silu", false, false },
        { "LnGeluGpu", "Gelu", false, false },
        { "RmsGeluDGpu", "Gelu", false, false },
    };

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Forward_and_backward_match_the_reference(string name, string activation, bool inputBias, bool residual)
    {
        var kernel = new GpuKernel(name);
        foreach (int rows in new[] { 1, 7 })
        {
            Check(kernel, activation, inputBias, residual, rows, _accelerators.Default);
        }

        Check(kernel, activation, inputBias, residual, rows: 3, _accelerators.Warp32);
    }


    [Fact]
    public void The_exact_gelu_holds_across_every_branch_of_erf()
    {
        // Weights of 6 spread z = x̂·γ over about ±18: erf's series, its continued fraction and its saturation all run.
        var kernel = new GpuKernel("RmsGeluDGpu");
        int rows = 5, d = kernel.RowLength;
        double[] x = TestData.Normal(rows * d, 81);
        double[] w = Enumerable.Repeat(6.0, d).ToArray();
        var (affine, _, _) = Reference.Forward(kernel.Centered, d, kernel.Epsilon, x, w, null);
        Assert.Contains(affine, z => Math.Abs(z) / Math.Sqrt(2) is > 2.5 and < 6);
        Assert.Contains(affine, z => Math.Abs(z) / Math.Sqrt(2) < 2.5);
        Assert.Contains(affine, z => Math.Abs(z) / Math.Sqrt(2) > 6);
        var actual = kernel.Forward(_accelerators.Default, x, w, null);
        Tolerance.AssertClose(kernel, affine.Select(z => Activate("Gelu", z)).ToArray(), actual.Y, "y");
    }

    private static void Check(GpuKernel kernel, string activation, bool inputBias, bool residual, int rows, ILGPU.Runtime.Accelerator accelerator)
    {
        int d = kernel.RowLength;
        double[] x = kernel.Round(TestData.Normal(rows * d, rows, mean: 0.5, std: 1.5));
        double[] r = kernel.Round(TestData.Normal(rows * d, rows + 1));
        double[] ib = kernel.Round(TestData.Normal(d, rows + 2, std: 0.5));
        double[] w = kernel.Round(TestData.Normal(d, rows + 3, mean: 1, std: 0.4));
        double[] b = kernel.Round(TestData.Normal(d, rows + 4, std: 0.4));
        double[] dy = kernel.Round(TestData.Normal(rows * d, rows + 5));

        // The reference: the fused sum (rounded to the element type, as the kernel stores it), then the norm.
        double[] sum = kernel.Round(Enumerable.Range(0, rows * d).Select(i => x[i] + (inputBias ? ib[i % d] : 0) + (residual ? r[i] : 0)).ToArray());
        double[]? weight = kernel.HasWeight ? w : null, bias = kernel.HasBias ? b : null;
        var (affine, mean, rstd) = Reference.Forward(kernel.Centered, d, kernel.Epsilon, sum, weight, bias);
        double[] y = affine.Select(z => Activate(activation, z)).ToArray();
        double[] dAffine = dy.Select((g, i) => g * Derivative(activation, affine[i])).ToArray();
        var (dx, dw, db) = Reference.Backward(kernel.Centered, d, kernel.Epsilon, dAffine, sum, weight);
        double[] dInputBias = Enumerable.Range(0, d).Select(j => Enumerable.Range(0, rows).Sum(row => dx[row * d + j])).ToArray();

        using var scope = new GpuKernel.DeviceScope(accelerator, kernel);
        var forward = new Dictionary<string, object>
        {
            ["stream"] = accelerator.DefaultStream,
            ["input"] = scope.Elements(x),
            ["inputBias"] = scope.Elements(ib),
            ["residual"] = scope.Elements(r),
            ["weight"] = scope.Elements(w),
            ["bias"] = scope.Elements(b),
            ["output"] = scope.Elements(new double[rows * d]),
            ["residualOutput"] = scope.Elements(new double[rows * d]),
            ["mean"] = scope.Statistics(rows),
            ["rstd"] = scope.Statistics(rows),
        };
        kernel.Invoke("Forward", forward);
        accelerator.Synchronize();
        Tolerance.AssertClose(kernel, y, scope.Read(forward["output"]), $"y ({rows} rows)");
        Tolerance.AssertClose(kernel, rstd, scope.Read(forward["rstd"]), $"rstd ({rows} rows)");
        if (residual)
        {
            Tolerance.AssertClose(kernel, sum, scope.Read(forward["residualOutput"]), $"residual sum ({rows} rows)");
        }

        var backward = new Dictionary<string, object>(forward)
        {
            ["gradOutput"] = scope.Elements(dy),
            ["residualOutput"] = forward["residualOutput"],
            ["gradInput"] = scope.Elements(new double[rows * d]),
            ["gradInputBias"] = scope.Elements(new double[d]),
            ["gradWeight"] = scope.Elements(new double[d]),
            ["gradBias"] = scope.Elements(new double[d]),
            ["workspace"] = scope.Statistics((int)(long)typeof(GpuNorms).GetNestedType(kernel.Name)!.GetMethod("WorkspaceLength")!.Invoke(null, [rows])!),
        };
        kernel.Invoke("Backward", backward);
        accelerator.Synchronize();
        double scale = Math.Sqrt(rows) * 4;
        Tolerance.AssertClose(kernel, dx, scope.Read(backward["gradInput"]), $"dx ({rows} rows)");
        if (inputBias)
        {
            Tolerance.AssertClose(kernel, dInputBias, scope.Read(backward["gradInputBias"]), $"d(input bias) ({rows} rows)", scale);
        }

        if (kernel.HasWeight)
        {
            Tolerance.AssertClose(kernel, dw, scope.Read(backward["gradWeight"]), $"dγ ({rows} rows)", scale);
        }

        if (kernel.HasBias)
        {
            Tolerance.AssertClose(kernel, db, scope.Read(backward["gradBias"]), $"dβ ({rows} rows)", scale);
        }
    }

    internal static double Activate(string activation, double z) => activation switch
    {
        "Relu" => Math.Max(z, 0),
        "Silu" => z / (1 + Math.Exp(-z)),
        "GeluTanh" => 0.5 * z * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z))),
        "Gelu" => 0.5 * z * (1 + Erf(z / Math.Sqrt(2))),
        _ => z,
    };

    /// <summary>erf from the NormGen runtime's CPU implementation (.NET has none).</summary>
    private static double Erf(double z)
    {
        Span<double> value = [z];
        NormGen.Kernels.Activations.Erf(value, value);
        return value[0];
    }

    /// <summary>The activation's derivative, differentiated from the definitions above (tanh form, not the kernels' σ form).</summary>
    internal static double Derivative(string activation, double z)
    {
        switch (activation)
        {
            case "Relu":
                return z > 0 ? 1 : 0;
            case "Silu":
                double s = 1 / (1 + Math.Exp(-z));
                return s + z * s * (1 - s);
            case "Gelu":
                return 0.5 * (1 + Erf(z / Math.Sqrt(2))) + z * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
            case "GeluTanh":
                double u = Math.Sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z), tanh = Math.Tanh(u);
                return 0.5 * (1 + tanh) + 0.5 * z * (1 - tanh * tanh) * Math.Sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * z * z);
            default:
                return 1;
        }
    }
}
