using System;
using System.Runtime.InteropServices;
using NormGen.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace NormGen.Tests;

/// <summary>
/// The generated kernels against TorchSharp's own: <c>nn.LayerNorm</c>, and RMSNorm composed from
/// tensor operations (TorchSharp 0.107 has no <c>nn.RMSNorm</c>), forward and autograd backward.
/// </summary>
public class TorchSharpParityTests
{
    private const int Rows = 64;

    [TorchSharpFact]
    public void Layer_norm_matches_nn_LayerNorm_forward_and_backward()
    {
        const int D = TestNorms.Ln768.RowLength;
        using var scope = NewDisposeScope();
        float[] x = Random(Rows * D, 1), dy = Random(Rows * D, 2), w = Random(D, 3, 1f), b = Random(D, 4);

        using var layerNorm = nn.LayerNorm(D, eps: TestNorms.Ln768.Epsilon);
        using (no_grad())
        {
            layerNorm.weight!.copy_(tensor(w));
            layerNorm.bias!.copy_(tensor(b));
        }

        Tensor input = tensor(x).reshape(Rows, D).requires_grad_(true);
        Tensor output = layerNorm.call(input);
        output.backward([tensor(dy).reshape(Rows, D)]);

        float[] y = new float[x.Length], mean = new float[Rows], rstd = new float[Rows];
        float[] dx = new float[x.Length], dw = new float[D], db = new float[D];
        TestNorms.Ln768.Forward(x, w, b, y, mean, rstd);
        TestNorms.Ln768.Backward(dy, x, w, mean, rstd, dx, dw, db);

        AssertClose(output, y, 1e-5, "y");
        AssertClose(input.grad!, dx, 1e-4, "dx");
        AssertClose(layerNorm.weight!.grad!, dw, 1e-3, "dγ");
        AssertClose(layerNorm.bias!.grad!, db, 1e-3, "dβ");
    }

    [TorchSharpFact]
    public void Layer_norm_over_channels_height_and_width_matches_nn_LayerNorm()
    {
        int[] shape = TestNorms.LnChw.NormalizedShape.ToArray();
        int d = TestNorms.LnChw.RowLength;
        using var scope = NewDisposeScope();
        float[] x = Random(3 * d, 5), dy = Random(3 * d, 6), w = Random(d, 7, 1f), b = Random(d, 8);

        using var layerNorm = nn.LayerNorm(Array.ConvertAll(shape, e => (long)e), eps: TestNorms.LnChw.Epsilon);
        using (no_grad())
        {
            layerNorm.weight!.copy_(tensor(w).reshape(shape[0], shape[1], shape[2]));
            layerNorm.bias!.copy_(tensor(b).reshape(shape[0], shape[1], shape[2]));
        }

        Tensor input = tensor(x).reshape(3, shape[0], shape[1], shape[2]).requires_grad_(true);
        Tensor output = layerNorm.call(input);
        output.backward([tensor(dy).reshape(3, shape[0], shape[1], shape[2])]);

        float[] y = new float[x.Length], mean = new float[3], rstd = new float[3];
        float[] dx = new float[x.Length], dw = new float[d], db = new float[d];
        TestNorms.LnChw.Forward(x, w, b, y, mean, rstd);
        TestNorms.LnChw.Backward(dy, x, w, mean, rstd, dx, dw, db);

        AssertClose(output, y, 1e-5, "y");
        AssertClose(input.grad!, dx, 1e-4, "dx");
        AssertClose(layerNorm.weight!.grad!, dw, 1e-4, "dγ");
        AssertClose(layerNorm.bias!.grad!, db, 1e-4, "dβ");
    }

    [TorchSharpFact]
    public void Rms_norm_matches_the_composed_TorchSharp_expression()
    {
        const int D = TestNorms.Rms768.RowLength;
        using var scope = NewDisposeScope();
        float[] x = Random(Rows * D, 9), dy = Random(Rows * D, 10), w = Random(D, 11, 1f);

        Tensor input = tensor(x).reshape(Rows, D).requires_grad_(true);
        Tensor weight = tensor(w).requires_grad_(true);
        Tensor output = input * rsqrt(input.pow(2).mean([-1L], keepdim: true) + TestNorms.Rms768.Epsilon) * weight;
        output.backward([tensor(dy).reshape(Rows, D)]);

        float[] y = new float[x.Length], rstd = new float[Rows], dx = new float[x.Length], dw = new float[D];
        TestNorms.Rms768.Forward(x, w, y, rstd);
        TestNorms.Rms768.Backward(dy, x, w, rstd, dx, dw);

        AssertClose(output, y, 1e-5, "y");
        AssertClose(input.grad!, dx, 1e-4, "dx");
        AssertClose(weight.grad!, dw, 1e-3, "dγ");
    }

    [TorchSharpFact]
    public void Double_layer_norm_matches_nn_LayerNorm_in_float64()
    {
        const int D = TestNorms.Ln768d.RowLength;
        using var scope = NewDisposeScope();
        double[] x = Array.ConvertAll(Random(8 * D, 12), v => (double)v), w = Array.ConvertAll(Random(D, 13, 1f), v => (double)v), b = new double[D];

        using var layerNorm = nn.LayerNorm(D, eps: TestNorms.Ln768d.Epsilon, dtype: float64);
        using (no_grad())
        {
            layerNorm.weight!.copy_(tensor(w));
        }

        Tensor output = layerNorm.call(tensor(x).reshape(8, D));
        double[] y = new double[x.Length];
        TestNorms.Ln768d.Forward(x, w, b, y);

        double[] expected = output.data<double>().ToArray();
        Tolerance.AssertClose(expected, y, 1e-12, 1e-10, "y");
    }

    private static float[] Random(int length, int seed, float mean = 0)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = mean + (float)(random.NextDouble() * 2 - 1);
        }

        return values;
    }

    private static void AssertClose(Tensor expected, float[] actual, double tolerance, string what)
    {
        float[] reference = MemoryMarshal.Cast<byte, float>(expected.detach().contiguous().cpu().bytes).ToArray();
        Tolerance.AssertClose(Array.ConvertAll(reference, v => (double)v), Array.ConvertAll(actual, v => (double)v), tolerance, tolerance, what);
    }
}
