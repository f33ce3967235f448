using System;
using System.Linq;
using NormGen.Tests.ActivationKernels;
using NormGen.Tests.Support;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static NormGen.Tests.BatchNorm.BatchNormTestData;
using static TorchSharp.torch;

namespace NormGen.Tests.BatchNorm;

/// <summary>
/// The generated kernels against TorchSharp's <c>nn.BatchNorm1d/2d/3d</c>: several training steps (outputs,
/// input and parameter gradients, then running statistics and <c>num_batches_tracked</c>), evaluation outputs and
/// evaluation-mode gradients. Channels-last kernels run against the module on permuted data.
/// </summary>
public class BatchNormTorchSharpTests
{
    [TorchSharpFact]
    public void BatchNorm1d_over_features_matches() =>
        AssertParity(BatchNormCases.Bn1d, batch => [batch, 6], (c, eps, m) => nn.BatchNorm1d(c, eps, m));

    [TorchSharpFact]
    public void BatchNorm1d_over_features_and_length_matches() =>
        AssertParity(BatchNormCases.Bn1dSeq, batch => [batch, 5, 7], (c, eps, m) => nn.BatchNorm1d(c, eps, m));

    [TorchSharpFact]
    public void BatchNorm2d_matches() =>
        AssertParity(BatchNormCases.Bn2d, batch => [batch, 4, 5, 6], (c, eps, m) => nn.BatchNorm2d(c, eps, m));

    [TorchSharpFact]
    public void BatchNorm2d_over_runs_longer_than_a_segment_matches() =>
        AssertParity(BatchNormCases.Bn2dLong, batch => [batch, 3, 48, 48], (c, eps, m) => nn.BatchNorm2d(c, eps, m));

    [TorchSharpFact]
    public void BatchNorm3d_matches() =>
        AssertParity(BatchNormCases.Bn3d, batch => [batch, 3, 2, 3, 4], (c, eps, m) => nn.BatchNorm3d(c, eps, m));

    [TorchSharpFact]
    public void BatchNorm2d_in_float64_matches() =>
        AssertParity(BatchNormCases.Bn2dD, batch => [batch, 4, 5, 6], (c, eps, m) => nn.BatchNorm2d(c, eps, m, dtype: float64));

    [TorchSharpFact]
    public void BatchNorm1d_in_float64_matches() =>
        AssertParity(BatchNormCases.Bn1dD, batch => [batch, 9], (c, eps, m) => nn.BatchNorm1d(c, eps, m, dtype: float64));

    [TorchSharpFact]
    public void BatchNorm2d_without_affine_parameters_matches() =>
        AssertParity(BatchNormCases.BnPlain, batch => [batch, 4, 5, 6], (c, eps, m) => nn.BatchNorm2d(c, eps, m, affine: false));

    [TorchSharpFact]
    public void BatchNorm2d_without_running_statistics_matches_in_training_and_evaluation() =>
        AssertParity(BatchNormCases.BnUntracked, batch => [batch, 4, 5, 6], (c, eps, m) => nn.BatchNorm2d(c, eps, m, track_running_stats: false));

    [TorchSharpFact]
    public void Channels_last_BatchNorm2d_matches_the_module_on_permuted_data() =>
        AssertParity(BatchNormCases.BnNhwc, batch => [batch, 5, 6, 20], (c, eps, m) => nn.BatchNorm2d(c, eps, m), channelsLastRank: 4);

    [TorchSharpFact]
    public void Channels_last_BatchNorm2d_with_three_channels_matches() =>
        AssertParity(BatchNormCases.BnNhwc3, batch => [batch, 4, 4, 3], (c, eps, m) => nn.BatchNorm2d(c, eps, m), channelsLastRank: 4);

    [TorchSharpFact]
    public void Channels_last_BatchNorm2d_in_float64_matches() =>
        AssertParity(BatchNormCases.BnNhwcD, batch => [batch, 3, 5, 7], (c, eps, m) => nn.BatchNorm2d(c, eps, m, dtype: float64), channelsLastRank: 4);

    [TorchSharpFact]
    public void Channels_last_BatchNorm1d_without_affine_parameters_matches() =>
        AssertParity(BatchNormCases.BnPlainNhwc, batch => [batch, 6, 20], (c, eps, m) => nn.BatchNorm1d(c, eps, m, affine: false), channelsLastRank: 3);

    [TorchSharpFact]
    public void Channels_last_without_running_statistics_matches() =>
        AssertParity(BatchNormCases.BnUntrackedNhwc, batch => [batch, 5, 6, 20], (c, eps, m) => nn.BatchNorm2d(c, eps, m, track_running_stats: false), channelsLastRank: 4);

    [TorchSharpFact]
    public void BatchNorm2d_followed_by_ReLU_matches() =>
        AssertParity(BatchNormCases.BnRelu, batch => [batch, 4, 5, 6], (c, eps, m) => nn.BatchNorm2d(c, eps, m));

    [TorchSharpFact]
    public void Channels_last_BatchNorm2d_followed_by_SiLU_matches() =>
        AssertParity(BatchNormCases.BnSiluNhwc, batch => [batch, 5, 6, 20], (c, eps, m) => nn.BatchNorm2d(c, eps, m), channelsLastRank: 4);

    [TorchSharpFact]
    public void BatchNorm2d_followed_by_GELU_in_float64_matches() =>
        AssertParity(BatchNormCases.BnGeluD, batch => [batch, 3, 4, 5], (c, eps, m) => nn.BatchNorm2d(c, eps, m, dtype: float64));

    [TorchSharpFact]
    public void Half_BatchNorm2d_matches_the_module_converted_to_half()
    {
        AssertParity(BatchNormCases.BnHalf, batch => [batch, 4, 5, 6], (c, eps, m) => nn.BatchNorm2d(c, eps, m, dtype: float16));
    }

    [TorchSharpFact]
    public void Cumulative_average_matches_momentum_None()
    {
        // PyTorch's module with momentum=None calls batch_norm with momentum 1/num_batches_tracked; TorchSharp 0.107's
        // module spells that differently, so the functional form is driven the way PyTorch's module drives it.
        BatchNormCase norm = BatchNormCases.BnCumulative;
        using var scope = NewDisposeScope();
        Tensor runningMean = zeros(norm.Channels), runningVar = ones(norm.Channels);
        double[] rm = new double[norm.Channels], rv = Enumerable.Repeat(1.0, norm.Channels).ToArray();
        (double[] w, double[] b) = Parameters(norm, seed: 90);
        long tracked = 0;
        for (int step = 0; step < 4; step++)
        {
            int batch = 2 + step;
            double[] x = Input(norm, batch, seed: 91 + step, mean: step);
            ReferenceBatchNorm.Forward ours = norm.Train(x, w, b, rm, rv, ref tracked);
            Tensor output = nn.functional.batch_norm(
                ToTensor(x, float32).reshape(batch, 4, 5, 6), runningMean, runningVar, ToTensor(w, float32), ToTensor(b, float32),
                training: true, momentum: 1.0 / tracked, eps: norm.Epsilon);
            AssertClose(norm, Values(output), ours.Output, $"y at step {step}", scale: 2);
        }

        AssertClose(norm, Values(runningMean), rm, "runningMean", scale: 2);
        AssertClose(norm, Values(runningVar), rv, "runningVar", scale: 2);
    }

    /// <summary>
    /// Three training steps of different batch sizes, then evaluation, through the kernel and the module side by side.
    /// </summary>
    /// <param name="channelsLastRank">For channels-last kernels, the rank of the module's input; the kernel's data is
    /// the module's input with the channel axis moved last.</param>
    private static void AssertParity(BatchNormCase norm, Func<long, long[]> shapeOf, Func<long, double, double, NormBase> create, int channelsLastRank = 0)
    {
        using var scope = NewDisposeScope();
        ScalarType dtype = norm.IsDouble ? float64 : norm.IsHalf ? float16 : float32;
        using NormBase module = create(norm.Channels, norm.Epsilon, norm.Momentum ?? 0.1);
        (double[] w, double[] b) = Parameters(norm, seed: 100);
        if (norm.Affine)
        {
            using (no_grad())
            {
                module.weight.copy_(ToTensor(w, dtype));
                module.bias!.copy_(ToTensor(b, dtype));
            }
        }

        double[] rm = new double[norm.Channels], rv = Enumerable.Repeat(1.0, norm.Channels).ToArray();
        long tracked = 0;
        double[] sums = [];
        for (int step = 0; step < 3; step++)
        {
            int batch = BatchFor(norm) + step;
            long[] shape = shapeOf(batch);
            double[] x = Input(norm, batch, seed: 101 + step, mean: 0.5 * step, std: 1 + step);
            double[] dy = Input(norm, batch, seed: 111 + step, mean: 0, std: 1);
            sums = [Math.Sqrt(batch * norm.Spatial)];

            module.train();
            module.zero_grad();
            (Tensor output, Tensor input) = Run(module, norm, x, shape, dtype, channelsLastRank);
            output.backward([ToTensor(dy, dtype).reshape(shape)]);

            ReferenceBatchNorm.Forward ours = norm.Train(x, w, b, rm, rv, ref tracked);
            ReferenceBatchNorm.Gradients gradients = norm.Backward(dy, x, w, b, ours.Mean, ours.Rstd);
            AssertClose(norm, Values(output), ours.Output, $"y at step {step}", scale: 2);
            AssertClose(norm, Values(input.grad!), gradients.GradInput, $"dx at step {step}", scale: 4);
            if (norm.Affine)
            {
                AssertClose(norm, Values(module.weight.grad!), gradients.GradWeight, $"dγ at step {step}", scale: 2 * sums[0]);
                AssertClose(norm, Values(module.bias!.grad!), gradients.GradBias, $"dβ at step {step}", scale: 2 * sums[0]);
            }
        }

        if (norm.Track)
        {
            AssertClose(norm, Values(module.running_mean!), rm, "runningMean", scale: 2);
            AssertClose(norm, Values(module.running_var!), rv, "runningVar", scale: 2);
            Assert.Equal(module.num_batches_tracked!.to(int64).item<long>(), tracked);
        }

        // Evaluation: running statistics (or batch statistics without them), forward and backward.
        {
            int batch = BatchFor(norm);
            long[] shape = shapeOf(batch);
            double[] x = Input(norm, batch, seed: 121, mean: -0.5, std: 3);
            double[] dy = Input(norm, batch, seed: 122, mean: 0, std: 1);
            module.eval();
            module.zero_grad();
            (Tensor output, Tensor input) = Run(module, norm, x, shape, dtype, channelsLastRank);
            output.backward([ToTensor(dy, dtype).reshape(shape)]);

            AssertClose(norm, Values(output), norm.Eval(x, w, b, rm, rv), "y in evaluation", scale: 2);
            if (norm.Track)
            {
                ReferenceBatchNorm.Gradients gradients = norm.BackwardEval(dy, x, w, b, rm, rv);
                AssertClose(norm, Values(input.grad!), gradients.GradInput, "dx in evaluation", scale: 2);
                if (norm.Affine)
                {
                    AssertClose(norm, Values(module.weight.grad!), gradients.GradWeight, "dγ in evaluation", scale: 2 * sums[0]);
                    AssertClose(norm, Values(module.bias!.grad!), gradients.GradBias, "dβ in evaluation", scale: 2 * sums[0]);
                }
            }
        }
    }

    /// <summary>Runs the module (and the fused activation) on a leaf tensor laid out as the kernel's data.</summary>
    private static (Tensor Output, Tensor Input) Run(NormBase module, BatchNormCase norm, double[] x, long[] shape, ScalarType dtype, int channelsLastRank)
    {
        Tensor input = ToTensor(x, dtype).reshape(shape).requires_grad_(true);
        Tensor moduleInput = input;
        if (channelsLastRank > 0)
        {
            // N,…,C → N,C,…: the module sees a channels-first view of the same data.
            long[] toFirst = [0, channelsLastRank - 1, .. Enumerable.Range(1, channelsLastRank - 2).Select(i => (long)i)];
            moduleInput = input.permute(toFirst);
        }

        Tensor output = module.call(moduleInput);
        output = norm.Activation switch
        {
            ActivationKind.Relu => nn.functional.relu(output),
            ActivationKind.Gelu => nn.functional.gelu(output),
            ActivationKind.Silu => nn.functional.silu(output),
            null => output,
            _ => throw new NotSupportedException(),
        };

        if (channelsLastRank > 0)
        {
            long[] toLast = [0, .. Enumerable.Range(2, channelsLastRank - 2).Select(i => (long)i), 1];
            output = output.permute(toLast);
        }

        return (output, input);
    }

    private static Tensor ToTensor(double[] values, ScalarType dtype) => tensor(values).to(dtype);

    private static double[] Values(Tensor t) => t.detach().to(float64).contiguous().cpu().data<double>().ToArray();
}
