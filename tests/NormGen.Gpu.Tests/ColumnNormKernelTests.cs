using System;
using System.Collections.Generic;
using System.Linq;
using NormGen.Gpu.Tests.Support;
using Xunit;

namespace NormGen.Gpu.Tests;

/// <summary>
/// LayerNorm/RMSNorm over interior axes (the channels-first LayerNorm) on ILGPU's CPU accelerator, against the
/// float64 row reference applied to each (outer, inner) column gathered into a row.
/// </summary>
public sealed class ColumnNormKernelTests : IClassFixture<CpuAccelerators>
{
    private readonly CpuAccelerators _accelerators;

    public ColumnNormKernelTests(CpuAccelerators accelerators) => _accelerators = accelerators;

    [Theory]
    [InlineData("LnChannelsGpu", 3, "None")]
    [InlineData("RmsChannelsHGpu", 2, "None")]
    [InlineData("LnChannelsDGpu", 1, "None")]
    [InlineData("RmsChannelsSiluHGpu", 2, "Silu")]
    [InlineData("LnChannelsReluGpu", 3, "Relu")]
    public void Forward_and_backward_match_the_reference(string name, int outerCount, string activation)
    {
        var type = typeof(GpuNorms).GetNestedType(name)!;
        int reduced = (int)type.GetField("Reduced")!.GetValue(null)!, inner = (int)type.GetField("Inner")!.GetValue(null)!;
        bool centered = type.GetMethod("Forward")!.GetParameters().Any(p => p.Name == "mean");
        bool hasWeight = type.GetMethod("Forward")!.GetParameters().Any(p => p.Name == "weight");
        bool hasBias = type.GetMethod("Forward")!.GetParameters().Any(p => p.Name == "bias");
        double eps = Convert.ToDouble(type.GetField("Epsilon")!.GetValue(null)!);
        var kernel = new GpuKernel(name, reduced);

        int length = outerCount * reduced * inner, columns = outerCount * inner;
        double[] x = kernel.Round(TestData.Normal(length, 1, mean: 5, std: 2)), dy = kernel.Round(TestData.Normal(length, 2));
        double[] w = kernel.Round(TestData.Normal(reduced, 3, mean: 1, std: 0.4)), b = kernel.Round(TestData.Normal(reduced, 4));

        // Column (o, q) gathered into row o·Inner + q.
        int Index(int column, int r) => column / inner * reduced * inner + r * inner + column % inner;
        double[] ToRows(double[] values) => Enumerable.Range(0, columns * reduced).Select(k => values[Index(k / reduced, k % reduced)]).ToArray();
        double[] FromRows(double[] rows)
        {
            var values = new double[length];
            for (int k = 0; k < rows.Length; k++) values[Index(k / reduced, k % reduced)] = rows[k];
            return values;
        }

        var expected = Reference.Forward(centered, reduced, eps, ToRows(x), hasWeight ? w : null, hasBias ? b : null);
        double[] activated = expected.Y.Select(z => FusedRowNormKernelTests.Activate(activation, z)).ToArray();
        double[] through = ToRows(dy).Select((g, k) => g * FusedRowNormKernelTests.Derivative(activation, expected.Y[k])).ToArray();
        var gradients = Reference.Backward(centered, reduced, eps, through, ToRows(x), hasWeight ? w : null);

        using var scope = new GpuKernel.DeviceScope(_accelerators.Default, kernel);
        var arguments = new Dictionary<string, object>
        {
            ["stream"] = _accelerators.Default.DefaultStream,
            ["input"] = scope.Elements(x),
            ["weight"] = scope.Elements(w),
            ["bias"] = scope.Elements(b),
            ["output"] = scope.Elements(new double[length]),
            ["mean"] = scope.Statistics(columns),
            ["rstd"] = scope.Statistics(columns),
            ["gradOutput"] = scope.Elements(dy),
            ["gradInput"] = scope.Elements(new double[length]),
            ["gradWeight"] = scope.Elements(new double[reduced]),
            ["gradBias"] = scope.Elements(new double[reduced]),
        };
        if (hasWeight || hasBias)
        {
            arguments["workspace"] = scope.Statistics((int)(long)type.GetMethod("WorkspaceLength")!.Invoke(null, [(long)columns])!);
        }

        kernel.Invoke("Forward", arguments);
        kernel.Invoke("Backward", arguments);
        _accelerators.Default.Synchronize();

        Tolerance.AssertClose(kernel, FromRows(activated), scope.Read(arguments["output"]), "y");
        Tolerance.AssertClose(kernel, expected.Rstd, scope.Read(arguments["rstd"]), "rstd");
        Tolerance.AssertClose(kernel, FromRows(gradients.Dx), scope.Read(arguments["gradInput"]), "dx");
        if (hasWeight)
        {
            Tolerance.AssertClose(kernel, gradients.Dw, scope.Read(arguments["gradWeight"]), "dγ", scale: Math.Sqrt(columns) * 4);
        }

        if (hasBias)
        {
            Tolerance.AssertClose(kernel, gradients.Db, scope.Read(arguments["gradBias"]), "dβ", scale: Math.Sqrt(columns) * 4);
        }
    }
}
