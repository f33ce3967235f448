using System;
using System.Linq;
using NormGen.Tests.Support;
using TorchSharp;
using Xunit;
using static NormGen.Tests.GroupNorm.GroupNormTestNorms;
using static TorchSharp.torch;

namespace NormGen.Tests.GroupNorm;

/// <summary>
/// The generated kernels against TorchSharp's <c>nn.GroupNorm</c> and <c>nn.InstanceNorm1d/2d/3d</c>: outputs,
/// autograd gradients, running statistics after several training steps, and evaluation outputs. Channels-last
/// kernels are compared with TorchSharp run on the permuted (channels-first) view of the same data.
/// </summary>
public class GroupNormTorchSharpParityTests
{
    private const int Batch = 3;

    [TorchSharpFact]
    public void Group_norm_channels_first_matches_nn_GroupNorm()
    {
        using var scope = NewDisposeScope();
        long[] shape = [Batch, GnFirst.Channels, 5, 7];
        Data data = Data.Create(Batch * GnFirst.SampleLength, GnFirst.Channels, seed: 1);
        using var groupNorm = nn.GroupNorm(GnFirst.Groups, GnFirst.Channels, eps: 1e-5);
        CopyParameters(groupNorm.weight!, groupNorm.bias!, data);

        Tensor input = tensor(data.X).reshape(shape).requires_grad_(true);
        Tensor output = groupNorm.call(input);
        output.backward([tensor(data.Dy).reshape(shape)]);

        float[] y = new float[data.X.Length], mean = new float[Batch * GnFirst.Groups], rstd = new float[mean.Length];
        float[] dx = new float[data.X.Length], dw = new float[GnFirst.Channels], db = new float[GnFirst.Channels];
        GnFirst.Forward(data.X, data.W, data.B, y, mean, rstd);
        GnFirst.Backward(data.Dy, data.X, data.W, mean, rstd, dx, dw, db);

        AssertClose(output, y, 1e-5, "y");
        AssertClose(input.grad!, dx, 1e-4, "dx");
        AssertClose(groupNorm.weight!.grad!, dw, 1e-4, "dγ");
        AssertClose(groupNorm.bias!.grad!, db, 1e-4, "dβ");
    }

    [TorchSharpFact]
    public void Group_norm_in_double_matches_nn_GroupNorm_in_double()
    {
        using var scope = NewDisposeScope();
        long[] shape = [Batch, GnFirstD.Channels, 5, 7];
        Data data = Data.Create(Batch * GnFirstD.SampleLength, GnFirstD.Channels, seed: 2);
        double[] x = Widen(data.X), dy = Widen(data.Dy), w = Widen(data.W), b = Widen(data.B);
        using var groupNorm = nn.GroupNorm(GnFirstD.Groups, GnFirstD.Channels, eps: GnFirstD.Epsilon, dtype: ScalarType.Float64);
        using (no_grad())
        {
            groupNorm.weight!.copy_(tensor(w));
            groupNorm.bias!.copy_(tensor(b));
        }

        Tensor input = tensor(x).reshape(shape).requires_grad_(true);
        Tensor output = groupNorm.call(input);
        output.backward([tensor(dy).reshape(shape)]);

        double[] y = new double[x.Length], mean = new double[Batch * GnFirstD.Groups], rstd = new double[mean.Length];
        double[] dx = new double[x.Length], dw = new double[GnFirstD.Channels], db = new double[GnFirstD.Channels];
        GnFirstD.Forward(x, w, b, y, mean, rstd);
        GnFirstD.Backward(dy, x, w, mean, rstd, dx, dw, db);

        AssertClose(output.data<double>().ToArray(), y, 1e-12, "y");
        AssertClose(input.grad!.data<double>().ToArray(), dx, 1e-11, "dx");
        AssertClose(groupNorm.weight!.grad!.data<double>().ToArray(), dw, 1e-11, "dγ");
        AssertClose(groupNorm.bias!.grad!.data<double>().ToArray(), db, 1e-11, "dβ");
    }

    [TorchSharpFact]
    public void Group_norm_channels_last_matches_nn_GroupNorm_on_the_permuted_input()
    {
        using var scope = NewDisposeScope();
        long[] shape = [Batch, 5, 7, GnLast.Channels];
        Data data = Data.Create(Batch * GnLast.SampleLength, GnLast.Channels, seed: 3);
        using var groupNorm = nn.GroupNorm(GnLast.Groups, GnLast.Channels, eps: 1e-5);
        CopyParameters(groupNorm.weight!, groupNorm.bias!, data);

        Tensor input = tensor(data.X).reshape(shape).requires_grad_(true);
        Tensor output = groupNorm.call(input.permute(0, 3, 1, 2)).permute(0, 2, 3, 1).contiguous();
        output.backward([tensor(data.Dy).reshape(shape)]);

        float[] y = new float[data.X.Length], mean = new float[Batch * GnLast.Groups], rstd = new float[mean.Length];
        float[] dx = new float[data.X.Length], dw = new float[GnLast.Channels], db = new float[GnLast.Channels];
        GnLast.Forward(data.X, data.W, data.B, y, mean, rstd);
        GnLast.Backward(data.Dy, data.X, data.W, mean, rstd, dx, dw, db);

        AssertClose(output, y, 1e-5, "y");
        AssertClose(input.grad!, dx, 1e-4, "dx");
        AssertClose(groupNorm.weight!.grad!, dw, 1e-4, "dγ");
        AssertClose(groupNorm.bias!.grad!, db, 1e-4, "dβ");
    }

    [TorchSharpFact]
    public void Group_norm_with_a_fused_silu_matches_nn_GroupNorm_then_silu()
    {
        using var scope = NewDisposeScope();
        long[] shape = [Batch, GnSilu.Channels, 5, 7];
        Data data = Data.Create(Batch * GnSilu.SampleLength, GnSilu.Channels, seed: 4);
        using var groupNorm = nn.GroupNorm(GnSilu.Groups, GnSilu.Channels, eps: 1e-5);
        CopyParameters(groupNorm.weight!, groupNorm.bias!, data);

        Tensor input = tensor(data.X).reshape(shape).requires_grad_(true);
        Tensor output = nn.functional.silu(groupNorm.call(input));
        output.backward([tensor(data.Dy).reshape(shape)]);

        float[] y = new float[data.X.Length], mean = new float[Batch * GnSilu.Groups], rstd = new float[mean.Length];
        float[] dx = new float[data.X.Length], dw = new float[GnSilu.Channels], db = new float[GnSilu.Channels];
        GnSilu.Forward(data.X, data.W, data.B, y, mean, rstd);
        GnSilu.Backward(data.Dy, data.X, data.W, data.B, mean, rstd, dx, dw, db);

        AssertClose(output, y, 1e-5, "y");
        AssertClose(input.grad!, dx, 1e-4, "dx");
        AssertClose(groupNorm.weight!.grad!, dw, 1e-4, "dγ");
        AssertClose(groupNorm.bias!.grad!, db, 1e-4, "dβ");
    }

    [TorchSharpFact]
    public void Group_norm_in_half_matches_nn_GroupNorm_converted_with_half()
    {
        using var scope = NewDisposeScope();
        long[] shape = [Batch, GnHalf.Channels, 5, 7];
        Data data = Data.Create(Batch * GnHalf.SampleLength, GnHalf.Channels, seed: 5);
        Half[] x = ToHalf(data.X), w = ToHalf(data.W), b = ToHalf(data.B);
        using var groupNorm = nn.GroupNorm(GnHalf.Groups, GnHalf.Channels, eps: 1e-5);
        groupNorm.half();
        using (no_grad())
        {
            groupNorm.weight!.copy_(tensor(w));
            groupNorm.bias!.copy_(tensor(b));
        }

        Tensor output = groupNorm.call(tensor(x).reshape(shape));
        Half[] y = new Half[x.Length];
        GnHalf.Forward(x, w, b, y);

        AssertClose(output.to_type(ScalarType.Float32).data<float>().ToArray(), Array.ConvertAll(y, v => (double)v), 2e-3, "y", relative: 2e-3);
    }

    [TorchSharpFact]
    public void Instance_norm_2d_matches_nn_InstanceNorm2d_through_training_steps_and_evaluation()
    {
        using var scope = NewDisposeScope();
        using var instanceNorm = nn.InstanceNorm2d(InRunning.Channels, eps: 1e-5, momentum: 0.2, affine: true, track_running_stats: true);
        Data parameters = Data.Create(1, InRunning.Channels, seed: 6);
        CopyParameters(instanceNorm.weight!, instanceNorm.bias!, parameters);
        float[] runningMean = new float[InRunning.Channels], runningVar = Enumerable.Repeat(1f, InRunning.Channels).ToArray();

        instanceNorm.train();
        for (int step = 0; step < 3; step++)
        {
            int batch = 2 + step;
            long[] shape = [batch, InRunning.Channels, 5, 7];
            Data data = Data.Create(batch * InRunning.SampleLength, InRunning.Channels, seed: 10 + step, offset: step - 1f, scale: 1 + step);
            Tensor input = tensor(data.X).reshape(shape).requires_grad_(true);
            Tensor output = instanceNorm.call(input);
            instanceNorm.zero_grad();
            output.backward([tensor(data.Dy).reshape(shape)]);

            float[] y = new float[data.X.Length], mean = new float[batch * InRunning.Groups], rstd = new float[mean.Length];
            float[] dx = new float[data.X.Length], dw = new float[InRunning.Channels], db = new float[InRunning.Channels];
            InRunning.ForwardTraining(data.X, parameters.W, parameters.B, y, runningMean, runningVar, mean, rstd);
            InRunning.Backward(data.Dy, data.X, parameters.W, mean, rstd, dx, dw, db);

            AssertClose(output, y, 1e-5, $"y at step {step}");
            AssertClose(input.grad!, dx, 1e-4, $"dx at step {step}");
            AssertClose(instanceNorm.weight!.grad!, dw, 1e-4, $"dγ at step {step}");
            AssertClose(instanceNorm.bias!.grad!, db, 1e-4, $"dβ at step {step}");
            AssertClose(instanceNorm.running_mean!, runningMean, 1e-6, $"running mean after step {step}");
            AssertClose(instanceNorm.running_var!, runningVar, 1e-5, $"running var after step {step}");
        }

        instanceNorm.eval();
        Data eval = Data.Create(Batch * InRunning.SampleLength, InRunning.Channels, seed: 20, offset: 0.5f);
        Tensor evalOutput;
        using (no_grad())
        {
            evalOutput = instanceNorm.call(tensor(eval.X).reshape(Batch, InRunning.Channels, 5, 7));
        }

        float[] evalY = new float[eval.X.Length];
        InRunning.ForwardEval(eval.X, parameters.W, parameters.B, runningMean, runningVar, evalY);
        AssertClose(evalOutput, evalY, 1e-5, "eval y");
    }

    [TorchSharpFact]
    public void Instance_norm_channels_last_matches_nn_InstanceNorm2d_on_the_permuted_input()
    {
        using var scope = NewDisposeScope();
        using var instanceNorm = nn.InstanceNorm2d(InRunningLast.Channels, eps: 1e-5, momentum: 0.1, affine: true, track_running_stats: true);
        Data data = Data.Create(Batch * InRunningLast.SampleLength, InRunningLast.Channels, seed: 30);
        CopyParameters(instanceNorm.weight!, instanceNorm.bias!, data);
        float[] runningMean = new float[InRunningLast.Channels], runningVar = Enumerable.Repeat(1f, InRunningLast.Channels).ToArray();

        long[] shape = [Batch, 5, 7, InRunningLast.Channels];
        instanceNorm.train();
        Tensor input = tensor(data.X).reshape(shape).requires_grad_(true);
        Tensor output = instanceNorm.call(input.permute(0, 3, 1, 2)).permute(0, 2, 3, 1).contiguous();
        output.backward([tensor(data.Dy).reshape(shape)]);

        float[] y = new float[data.X.Length], mean = new float[Batch * InRunningLast.Groups], rstd = new float[mean.Length];
        float[] dx = new float[data.X.Length], dw = new float[InRunningLast.Channels], db = new float[InRunningLast.Channels];
        InRunningLast.ForwardTraining(data.X, data.W, data.B, y, runningMean, runningVar, mean, rstd);
        InRunningLast.Backward(data.Dy, data.X, data.W, mean, rstd, dx, dw, db);

        AssertClose(output, y, 1e-5, "y");
        AssertClose(input.grad!, dx, 1e-4, "dx");
        AssertClose(instanceNorm.weight!.grad!, dw, 1e-4, "dγ");
        AssertClose(instanceNorm.bias!.grad!, db, 1e-4, "dβ");
        AssertClose(instanceNorm.running_mean!, runningMean, 1e-6, "running mean");
        AssertClose(instanceNorm.running_var!, runningVar, 1e-5, "running var");

        instanceNorm.eval();
        Tensor evalOutput;
        using (no_grad())
        {
            evalOutput = instanceNorm.call(tensor(data.Dy).reshape(shape).permute(0, 3, 1, 2)).permute(0, 2, 3, 1).contiguous();
        }

        float[] evalY = new float[data.X.Length];
        InRunningLast.ForwardEval(data.Dy, data.W, data.B, runningMean, runningVar, evalY);
        AssertClose(evalOutput, evalY, 1e-5, "eval y");
    }

    [TorchSharpFact]
    public void Instance_norm_1d_and_3d_match_nn_InstanceNorm1d_and_3d()
    {
        using var scope = NewDisposeScope();
        {
            long[] shape = [Batch, In1d.Channels, 33];
            Data data = Data.Create(Batch * In1d.SampleLength, In1d.Channels, seed: 40);
            using var instanceNorm = nn.InstanceNorm1d(In1d.Channels, eps: 1e-4);
            Tensor input = tensor(data.X).reshape(shape).requires_grad_(true);
            Tensor output = instanceNorm.call(input);
            output.backward([tensor(data.Dy).reshape(shape)]);

            float[] y = new float[data.X.Length], mean = new float[Batch * In1d.Groups], rstd = new float[mean.Length], dx = new float[data.X.Length];
            In1d.Forward(data.X, y, mean, rstd);
            In1d.Backward(data.Dy, data.X, mean, rstd, dx);
            AssertClose(output, y, 1e-5, "1d y");
            AssertClose(input.grad!, dx, 1e-4, "1d dx");
        }

        {
            long[] shape = [Batch, In3d.Channels, 3, 4, 5];
            Data data = Data.Create(Batch * In3d.SampleLength, In3d.Channels, seed: 41);
            using var instanceNorm = nn.InstanceNorm3d(In3d.Channels, eps: 1e-5, affine: true);
            CopyParameters(instanceNorm.weight!, instanceNorm.bias!, data);
            Tensor input = tensor(data.X).reshape(shape).requires_grad_(true);
            Tensor output = instanceNorm.call(input);
            output.backward([tensor(data.Dy).reshape(shape)]);

            float[] y = new float[data.X.Length], mean = new float[Batch * In3d.Groups], rstd = new float[mean.Length];
            float[] dx = new float[data.X.Length], dw = new float[In3d.Channels], db = new float[In3d.Channels];
            In3d.Forward(data.X, data.W, data.B, y, mean, rstd);
            In3d.Backward(data.Dy, data.X, data.W, mean, rstd, dx, dw, db);
            AssertClose(output, y, 1e-5, "3d y");
            AssertClose(input.grad!, dx, 1e-4, "3d dx");
            AssertClose(instanceNorm.weight!.grad!, dw, 1e-4, "3d dγ");
            AssertClose(instanceNorm.bias!.grad!, db, 1e-4, "3d dβ");
        }
    }

    private sealed record Data(float[] X, float[] Dy, float[] W, float[] B)
    {
        public static Data Create(int length, int channels, int seed, float offset = 0.5f, float scale = 2f) => new(
            ToFloat(TestData.Normal(length, seed, offset, scale)),
            ToFloat(TestData.Normal(length, seed + 100)),
            ToFloat(TestData.Normal(channels, seed + 200, mean: 1, std: 0.5)),
            ToFloat(TestData.Normal(channels, seed + 300, std: 0.5)));
    }

    private static void CopyParameters(Tensor weight, Tensor bias, Data data)
    {
        using (no_grad())
        {
            weight.copy_(tensor(data.W));
            bias.copy_(tensor(data.B));
        }
    }

    private static float[] ToFloat(double[] values) => Array.ConvertAll(values, v => (float)v);

    private static double[] Widen(float[] values) => Array.ConvertAll(values, v => (double)v);

    private static Half[] ToHalf(float[] values) => Array.ConvertAll(values, v => (Half)v);

    private static void AssertClose(Tensor expected, float[] actual, double tolerance, string what) =>
        AssertClose(expected.contiguous().data<float>().ToArray(), Widen(actual), tolerance, what);

    private static void AssertClose(float[] expected, double[] actual, double tolerance, string what, double relative = 1e-4) =>
        Tolerance.AssertClose(Widen(expected), actual, tolerance, relative, what);

    private static void AssertClose(double[] expected, double[] actual, double tolerance, string what) =>
        Tolerance.AssertClose(expected, actual, tolerance, tolerance * 10, what);
}
