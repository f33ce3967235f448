using System;
using System.Linq;
using NormGen.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using K = NormGen.Tests.ChannelsFirst.ChannelsFirstNorms;

namespace NormGen.Tests.ChannelsFirst;

/// <summary>
/// The channels-first kernels against what a TorchSharp user writes today: move the normalized axes last with
/// <c>permute</c>, apply <c>nn.LayerNorm</c> (or RMSNorm composed from tensor operations), and move them back.
/// Outputs and the gradients of the input, weight and bias, through autograd.
/// </summary>
public class ChannelsFirstTorchSharpTests
{
    [TorchSharpFact]
    public void Layer_norm_over_C_of_NCHW_matches_permute_LayerNorm_permute()
    {
        const int N = 3, C = K.CfC96.Reduced, H = 7, W = 9;
        using var scope = NewDisposeScope();
        float[] x = Random(N * C * H * W, 1, mean: 0.5f), dy = Random(x.Length, 2), w = Random(C, 3, mean: 1), b = Random(C, 4);

        using var layerNorm = nn.LayerNorm(C, eps: K.CfC96.Epsilon);
        CopyParameters(layerNorm, w, b);
        Tensor input = tensor(x).reshape(N, C, H, W).requires_grad_(true);
        Tensor output = layerNorm.call(input.permute(0, 2, 3, 1)).permute(0, 3, 1, 2);
        output.backward([tensor(dy).reshape(N, C, H, W)]);

        float[] y = new float[x.Length], mean = new float[N * H * W], rstd = new float[N * H * W];
        float[] dx = new float[x.Length], dw = new float[C], db = new float[C];
        K.CfC96.Forward(x, w, b, y, mean, rstd);
        K.CfC96.Backward(dy, x, w, mean, rstd, dx, dw, db);

        AssertClose(output, y, 1e-5, "y");
        AssertClose(input.grad!, dx, 1e-4, "dx");
        AssertClose(layerNorm.weight!.grad!, dw, 1e-4, "dγ");
        AssertClose(layerNorm.bias!.grad!, db, 1e-4, "dβ");
    }

    [TorchSharpFact]
    public void Layer_norm_over_C_of_a_five_dimensional_layout_matches_permute_LayerNorm_permute()
    {
        const int N = 2, C = 12, D = 3, H = 4, W = 5;
        using var scope = NewDisposeScope();
        float[] x = Random(N * C * D * H * W, 5), dy = Random(x.Length, 6), w = Random(C, 7, mean: 1), b = Random(C, 8);

        using var layerNorm = nn.LayerNorm(C, eps: K.Cf5d.Epsilon);
        CopyParameters(layerNorm, w, b);
        Tensor input = tensor(x).reshape(N, C, D, H, W).requires_grad_(true);
        Tensor output = layerNorm.call(input.permute(0, 2, 3, 4, 1)).permute(0, 4, 1, 2, 3);
        output.backward([tensor(dy).reshape(N, C, D, H, W)]);

        float[] y = new float[x.Length], mean = new float[N * D * H * W], rstd = new float[N * D * H * W];
        float[] dx = new float[x.Length], dw = new float[C], db = new float[C];
        K.Cf5d.Forward(x, w, b, y, mean, rstd);
        K.Cf5d.Backward(dy, x, w, mean, rstd, dx, dw, db);

        AssertClose(output, y, 1e-5, "y");
        AssertClose(input.grad!, dx, 1e-4, "dx");
        AssertClose(layerNorm.weight!.grad!, dw, 1e-4, "dγ");
        AssertClose(layerNorm.bias!.grad!, db, 1e-4, "dβ");
    }

    [TorchSharpFact]
    public void Layer_norm_over_two_interior_axes_matches_permute_LayerNorm_permute()
    {
        const int N = 2, C = 6, D = 3, H = 4, W = 5;
        using var scope = NewDisposeScope();
        float[] x = Random(N * C * D * H * W, 9), dy = Random(x.Length, 10), w = Random(C * D, 11, mean: 1), b = Random(C * D, 12);

        using var layerNorm = nn.LayerNorm([C, D], eps: K.Cf5dTwoAxes.Epsilon);
        using (no_grad())
        {
            layerNorm.weight!.copy_(tensor(w).reshape(C, D));
            layerNorm.bias!.copy_(tensor(b).reshape(C, D));
        }

        Tensor input = tensor(x).reshape(N, C, D, H, W).requires_grad_(true);
        Tensor output = layerNorm.call(input.permute(0, 3, 4, 1, 2)).permute(0, 3, 4, 1, 2);
        output.backward([tensor(dy).reshape(N, C, D, H, W)]);

        float[] y = new float[x.Length], mean = new float[N * H * W], rstd = new float[N * H * W];
        float[] dx = new float[x.Length], dw = new float[C * D], db = new float[C * D];
        K.Cf5dTwoAxes.Forward(x, w, b, y, mean, rstd);
        K.Cf5dTwoAxes.Backward(dy, x, w, mean, rstd, dx, dw, db);

        AssertClose(output, y, 1e-5, "y");
        AssertClose(input.grad!, dx, 1e-4, "dx");
        AssertClose(layerNorm.weight!.grad!, dw, 1e-4, "dγ");
        AssertClose(layerNorm.bias!.grad!, db, 1e-4, "dβ");
    }

    [TorchSharpFact]
    public void Layer_norm_with_fused_gelu_matches_permute_LayerNorm_gelu_permute()
    {
        const int N = 2, C = 12, H = 17, W = 19;
        using var scope = NewDisposeScope();
        float[] x = Random(N * C * H * W, 13), dy = Random(x.Length, 14), w = Random(C, 15, mean: 1), b = Random(C, 16);

        using var layerNorm = nn.LayerNorm(C, eps: K.CfGelu.Epsilon);
        CopyParameters(layerNorm, w, b);
        Tensor input = tensor(x).reshape(N, C, H, W).requires_grad_(true);
        Tensor output = nn.functional.gelu(layerNorm.call(input.permute(0, 2, 3, 1))).permute(0, 3, 1, 2);
        output.backward([tensor(dy).reshape(N, C, H, W)]);

        float[] y = new float[x.Length], mean = new float[N * H * W], rstd = new float[N * H * W];
        float[] dx = new float[x.Length], dw = new float[C], db = new float[C];
        K.CfGelu.Forward(x, w, b, y, mean, rstd);
        K.CfGelu.Backward(dy, x, w, b, mean, rstd, dx, dw, db);

        AssertClose(output, y, 1e-5, "y");
        AssertClose(input.grad!, dx, 1e-4, "dx");
        AssertClose(layerNorm.weight!.grad!, dw, 1e-4, "dγ");
        AssertClose(layerNorm.bias!.grad!, db, 1e-4, "dβ");
    }

    [TorchSharpFact]
    public void Rms_norm_over_C_matches_the_composed_TorchSharp_expression()
    {
        const int N = 3, C = K.CfRms.Reduced, H = 5, W = 6;
        using var scope = NewDisposeScope();
        float[] x = Random(N * C * H * W, 17), dy = Random(x.Length, 18), w = Random(C, 19, mean: 1);

        Tensor input = tensor(x).reshape(N, C, H, W).requires_grad_(true);
        Tensor weight = tensor(w).requires_grad_(true);
        Tensor output = input * rsqrt(input.pow(2).mean([1L], keepdim: true) + K.CfRms.Epsilon) * weight.reshape(1, C, 1, 1);
        output.backward([tensor(dy).reshape(N, C, H, W)]);

        float[] y = new float[x.Length], rstd = new float[N * H * W], dx = new float[x.Length], dw = new float[C];
        K.CfRms.Forward(x, w, y, rstd);
        K.CfRms.Backward(dy, x, w, rstd, dx, dw);

        AssertClose(output, y, 1e-5, "y");
        AssertClose(input.grad!, dx, 1e-4, "dx");
        AssertClose(weight.grad!, dw, 1e-4, "dγ");
    }

    [TorchSharpFact]
    public void Double_layer_norm_over_C_matches_permute_LayerNorm_permute_in_float64()
    {
        const int N = 2, C = K.CfDouble.Reduced, H = 3, W = 7;
        using var scope = NewDisposeScope();
        double[] x = ToDouble(Random(N * C * H * W, 20)), dy = ToDouble(Random(x.Length, 21));
        double[] w = ToDouble(Random(C, 22, mean: 1)), b = ToDouble(Random(C, 23));

        using var layerNorm = nn.LayerNorm(C, eps: K.CfDouble.Epsilon, dtype: float64);
        using (no_grad())
        {
            layerNorm.weight!.copy_(tensor(w));
            layerNorm.bias!.copy_(tensor(b));
        }

        Tensor input = tensor(x).reshape(N, C, H, W).requires_grad_(true);
        Tensor output = layerNorm.call(input.permute(0, 2, 3, 1)).permute(0, 3, 1, 2);
        output.backward([tensor(dy).reshape(N, C, H, W)]);

        double[] y = new double[x.Length], mean = new double[N * H * W], rstd = new double[N * H * W];
        double[] dx = new double[x.Length], dw = new double[C], db = new double[C];
        K.CfDouble.Forward(x, w, b, y, mean, rstd);
        K.CfDouble.Backward(dy, x, w, mean, rstd, dx, dw, db);

        Tolerance.AssertClose(Values(output), y, 1e-12, 1e-10, "y");
        Tolerance.AssertClose(Values(input.grad!), dx, 1e-11, 1e-9, "dx");
        Tolerance.AssertClose(Values(layerNorm.weight!.grad!), dw, 1e-11, 1e-9, "dγ");
        Tolerance.AssertClose(Values(layerNorm.bias!.grad!), db, 1e-11, 1e-9, "dβ");
    }

    private static void CopyParameters(nn.Module<Tensor, Tensor> module, float[] weight, float[] bias)
    {
        var layerNorm = (TorchSharp.Modules.LayerNorm)module;
        using (no_grad())
        {
            layerNorm.weight!.copy_(tensor(weight));
            layerNorm.bias!.copy_(tensor(bias));
        }
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

    private static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);

    private static double[] Values(Tensor t) => t.detach().contiguous().to_type(float64).data<double>().ToArray();

    private static void AssertClose(Tensor expected, float[] actual, double tolerance, string what) =>
        Tolerance.AssertClose(Values(expected), ToDouble(actual), tolerance, tolerance, what);
}
