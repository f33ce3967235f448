using System;
using System.Runtime.InteropServices;
using NormGen.Tests.Support;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace NormGen.Tests.Fusions;

/// <summary>
/// The fused kernels against the same steps in TorchSharp with autograd: add-then-<c>nn.LayerNorm</c>,
/// <c>gelu</c>/<c>silu</c> after <c>LayerNorm</c>, in float and in Half (libtorch runs these ops in Half on CPU).
/// </summary>
public class FusionTorchSharpTests
{
    private const int Rows = 64;
    private const int D = 768;

    [TorchSharpFact]
    public void Residual_layer_norm_matches_add_then_nn_LayerNorm()
    {
        using var scope = NewDisposeScope();
        float[] x = Random(Rows * D, 1), res = Random(Rows * D, 2), dy = Random(Rows * D, 3), w = Random(D, 4, 1f), b = Random(D, 5);

        using LayerNorm layerNorm = LayerNormWith(w, b, ScalarType.Float32);
        Tensor input = tensor(x).reshape(Rows, D).requires_grad_(true);
        Tensor residual = tensor(res).reshape(Rows, D).requires_grad_(true);
        Tensor sum = input + residual;
        Tensor output = layerNorm.call(sum);
        output.backward([tensor(dy).reshape(Rows, D)]);

        float[] y = new float[x.Length], sumOut = new float[x.Length], mean = new float[Rows], rstd = new float[Rows];
        float[] dx = new float[x.Length], dw = new float[D], db = new float[D];
        FusionTestNorms.LnWideResidual.Forward(x, res, w, b, y, sumOut, mean, rstd);
        FusionTestNorms.LnWideResidual.Backward(dy, sumOut, w, mean, rstd, dx, dw, db);

        AssertClose(sum, sumOut, 0, "residualOutput");
        AssertClose(output, y, 1e-5, "y");
        AssertClose(input.grad!, dx, 1e-4, "dx");
        AssertClose(residual.grad!, dx, 1e-4, "dResidual");
        AssertClose(layerNorm.weight!.grad!, dw, 1e-3, "dγ");
        AssertClose(layerNorm.bias!.grad!, db, 1e-3, "dβ");
    }

    [TorchSharpFact]
    public void Layer_norm_with_gelu_and_silu_matches_nn_LayerNorm_then_the_activation()
    {
        foreach (bool gelu in new[] { true, false })
        {
            using var scope = NewDisposeScope();
            float[] x = Random(Rows * D, 6), dy = Random(Rows * D, 7), w = Random(D, 8, 1f), b = Random(D, 9);

            using LayerNorm layerNorm = LayerNormWith(w, b, ScalarType.Float32);
            Tensor input = tensor(x).reshape(Rows, D).requires_grad_(true);
            Tensor normalized = layerNorm.call(input);
            Tensor output = gelu ? nn.functional.gelu(normalized) : nn.functional.silu(normalized, false);
            output.backward([tensor(dy).reshape(Rows, D)]);

            float[] y = new float[x.Length], mean = new float[Rows], rstd = new float[Rows];
            float[] dx = new float[x.Length], dw = new float[D], db = new float[D];
            if (gelu)
            {
                FusionTestNorms.LnWideGelu.Forward(x, w, b, y, mean, rstd);
                FusionTestNorms.LnWideGelu.Backward(dy, x, w, b, mean, rstd, dx, dw, db);
            }
            else
            {
                FusionTestNorms.LnWideSilu.Forward(x, w, b, y, mean, rstd);
                FusionTestNorms.LnWideSilu.Backward(dy, x, w, b, mean, rstd, dx, dw, db);
            }

            string name = gelu ? "gelu" : "silu";
            AssertClose(output, y, 1e-5, name + " y");
            AssertClose(input.grad!, dx, 1e-4, name + " dx");
            AssertClose(layerNorm.weight!.grad!, dw, 1e-3, name + " dγ");
            AssertClose(layerNorm.bias!.grad!, db, 1e-3, name + " dβ");
        }
    }

    [TorchSharpFact]
    public void Half_residual_layer_norm_matches_torch_in_half()
    {
        using var scope = NewDisposeScope();
        Half[] x = RandomHalf(Rows * D, 11), res = RandomHalf(Rows * D, 12), dy = RandomHalf(Rows * D, 13);
        Half[] w = RandomHalf(D, 14, 1f), b = RandomHalf(D, 15);

        using LayerNorm layerNorm = LayerNormWith(Array.ConvertAll(w, v => (float)v), Array.ConvertAll(b, v => (float)v), ScalarType.Float16);
        Tensor input = HalfTensor(x).reshape(Rows, D).requires_grad_(true);
        Tensor residual = HalfTensor(res).reshape(Rows, D).requires_grad_(true);
        Tensor sum = input + residual;
        Tensor output = layerNorm.call(sum);
        output.backward([HalfTensor(dy).reshape(Rows, D)]);
        Assert.Equal(ScalarType.Float16, output.dtype);

        Half[] y = new Half[x.Length], sumOut = new Half[x.Length], dx = new Half[x.Length], dw = new Half[D], db = new Half[D];
        float[] mean = new float[Rows], rstd = new float[Rows];
        FusionTestNorms.LnHalfWideResidual.Forward(x, res, w, b, y, sumOut, mean, rstd);
        FusionTestNorms.LnHalfWideResidual.Backward(dy, sumOut, w, mean, rstd, dx, dw, db);

        // The sum is the same rounded Half add; the rest rounds at different points, within Half precision.
        Assert.Equal(ReadHalf(sum), Array.ConvertAll(sumOut, v => (double)v));
        HalfAssert.Close(ReadHalf(output), Array.ConvertAll(y, v => (double)v), "y");
        HalfAssert.Close(ReadHalf(input.grad!), Array.ConvertAll(dx, v => (double)v), "dx");
        HalfAssert.Close(ReadHalf(residual.grad!), Array.ConvertAll(dx, v => (double)v), "dResidual");
        HalfAssert.Close(ReadHalf(layerNorm.weight!.grad!), Array.ConvertAll(dw, v => (double)v), "dγ", ulps: 8);
        HalfAssert.Close(ReadHalf(layerNorm.bias!.grad!), Array.ConvertAll(db, v => (double)v), "dβ", ulps: 8);
    }

    [TorchSharpFact]
    public void Half_layer_norm_with_gelu_matches_torch_in_half()
    {
        using var scope = NewDisposeScope();
        Half[] x = RandomHalf(Rows * D, 16), dy = RandomHalf(Rows * D, 17), w = RandomHalf(D, 18, 1f), b = RandomHalf(D, 19);

        using LayerNorm layerNorm = LayerNormWith(Array.ConvertAll(w, v => (float)v), Array.ConvertAll(b, v => (float)v), ScalarType.Float16);
        Tensor input = HalfTensor(x).reshape(Rows, D).requires_grad_(true);
        Tensor output = nn.functional.gelu(layerNorm.call(input));
        output.backward([HalfTensor(dy).reshape(Rows, D)]);
        Assert.Equal(ScalarType.Float16, output.dtype);

        Half[] y = new Half[x.Length], dx = new Half[x.Length], dw = new Half[D], db = new Half[D];
        float[] mean = new float[Rows], rstd = new float[Rows];
        FusionTestNorms.LnHalfWideGelu.Forward(x, w, b, y, mean, rstd);
        FusionTestNorms.LnHalfWideGelu.Backward(dy, x, w, b, mean, rstd, dx, dw, db);

        HalfAssert.Close(ReadHalf(output), Array.ConvertAll(y, v => (double)v), "y");
        HalfAssert.Close(ReadHalf(input.grad!), Array.ConvertAll(dx, v => (double)v), "dx");
        HalfAssert.Close(ReadHalf(layerNorm.weight!.grad!), Array.ConvertAll(dw, v => (double)v), "dγ", ulps: 8);
        HalfAssert.Close(ReadHalf(layerNorm.bias!.grad!), Array.ConvertAll(db, v => (double)v), "dβ", ulps: 8);
    }

    private static LayerNorm LayerNormWith(float[] w, float[] b, ScalarType type)
    {
        LayerNorm layerNorm = nn.LayerNorm(D, eps: 1e-5);
        using (no_grad())
        {
            layerNorm.weight!.copy_(tensor(w));
            layerNorm.bias!.copy_(tensor(b));
        }

        return type == ScalarType.Float32 ? layerNorm : layerNorm.half();
    }

    private static float[] Random(int length, int seed, float mean = 0f) =>
        Array.ConvertAll(TestData.Normal(length, seed, mean: mean, std: mean == 0 ? 1 : 0.5), v => (float)v);

    private static Half[] RandomHalf(int length, int seed, float mean = 0f) => Array.ConvertAll(Random(length, seed, mean), v => (Half)v);

    private static Tensor HalfTensor(Half[] values) => tensor(Array.ConvertAll(values, v => (float)v)).to(ScalarType.Float16);

    private static double[] ReadHalf(Tensor t) =>
        Array.ConvertAll(MemoryMarshal.Cast<byte, Half>(t.contiguous().bytes).ToArray(), v => (double)v);

    private static void AssertClose(Tensor expected, float[] actual, double tolerance, string what)
    {
        float[] e = MemoryMarshal.Cast<byte, float>(expected.contiguous().bytes).ToArray();
        Tolerance.AssertClose(Array.ConvertAll(e, v => (double)v), Array.ConvertAll(actual, v => (double)v), tolerance, tolerance, what);
    }
}
