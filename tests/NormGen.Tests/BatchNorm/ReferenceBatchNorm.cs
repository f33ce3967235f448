using System;
using NormGen.Tests.ActivationKernels;

namespace NormGen.Tests.BatchNorm;

/// <summary>
/// A straightforward float64 batch normalization written from PyTorch's definitions, with no attention
/// to speed: the yardstick every BatchNorm kernel is held to. Tensors are flat arrays in the case's layout
/// (<see cref="BatchShape.Index"/>); statistics are per channel. A fused activation applies to the affine
/// output, and its derivative at that pre-activation to the incoming gradient.
/// </summary>
public static class ReferenceBatchNorm
{
    /// <summary>Per-channel mean and biased variance over the batch and the spatial axes (plain two-pass).</summary>
    public static (double[] Mean, double[] Variance) Statistics(BatchShape shape, double[] x)
    {
        var mean = new double[shape.Channels];
        var variance = new double[shape.Channels];
        double m = shape.ValuesPerChannel;
        for (int c = 0; c < shape.Channels; c++)
        {
            double sum = 0;
            foreach (int i in shape.IndicesOf(c))
            {
                sum += x[i];
            }

            mean[c] = sum / m;
            double squares = 0;
            foreach (int i in shape.IndicesOf(c))
            {
                squares += (x[i] - mean[c]) * (x[i] - mean[c]);
            }

            variance[c] = squares / m;
        }

        return (mean, variance);
    }

    /// <summary>Training forward: y with the batch statistics; the saved mean and rstd = 1/sqrt(var + eps).</summary>
    public static Forward Train(BatchShape shape, double[] x, double[]? weight, double[]? bias, double eps, ActivationKind? activation = null)
    {
        (double[] mean, double[] variance) = Statistics(shape, x);
        var rstd = new double[shape.Channels];
        for (int c = 0; c < shape.Channels; c++)
        {
            rstd[c] = 1 / Math.Sqrt(variance[c] + eps);
        }

        return new Forward(Activate(Normalize(shape, x, mean, rstd, weight, bias), activation), mean, rstd, variance);
    }

    /// <summary>Evaluation forward with the running statistics.</summary>
    public static double[] Eval(BatchShape shape, double[] x, double[]? weight, double[]? bias, double[] runningMean, double[] runningVar, double eps, ActivationKind? activation = null)
    {
        var rstd = new double[shape.Channels];
        for (int c = 0; c < shape.Channels; c++)
        {
            rstd[c] = 1 / Math.Sqrt(runningVar[c] + eps);
        }

        return Activate(Normalize(shape, x, runningMean, rstd, weight, bias), activation);
    }

    /// <summary>
    /// PyTorch's running-statistics update after a training step on <paramref name="x"/>: the unbiased
    /// batch variance, and momentum <c>1/numBatchesTracked</c> when <paramref name="momentum"/> is null.
    /// </summary>
    public static void UpdateRunning(BatchShape shape, double[] x, double[] runningMean, double[] runningVar, ref long numBatchesTracked, double? momentum)
    {
        numBatchesTracked++;
        (double[] mean, double[] variance) = Statistics(shape, x);
        double m = momentum ?? 1.0 / numBatchesTracked;
        double values = shape.ValuesPerChannel;
        for (int c = 0; c < shape.Channels; c++)
        {
            runningMean[c] = (1 - m) * runningMean[c] + m * mean[c];
            runningVar[c] = (1 - m) * runningVar[c] + m * variance[c] * values / (values - 1);
        }
    }

    /// <summary>
    /// Training-mode gradients through the batch statistics, by the chain rule: with x̂ = (x - mean)·rstd and
    /// M values per channel, dβ = Σdy, dγ = Σdy·x̂, dx = γ·rstd·(dy - dβ/M - x̂·dγ/M).
    /// </summary>
    public static Gradients Backward(BatchShape shape, double[] dy, double[] x, double[]? weight, double eps, double[]? bias = null, ActivationKind? activation = null)
    {
        Forward forward = Train(shape, x, weight, bias, eps);
        dy = ThroughActivation(dy, forward.Output, activation);
        var dx = new double[x.Length];
        var dw = new double[shape.Channels];
        var db = new double[shape.Channels];
        double m = shape.ValuesPerChannel;
        for (int c = 0; c < shape.Channels; c++)
        {
            double mean = forward.Mean[c], rstd = forward.Rstd[c];
            foreach (int i in shape.IndicesOf(c))
            {
                db[c] += dy[i];
                dw[c] += dy[i] * (x[i] - mean) * rstd;
            }

            double gamma = weight?[c] ?? 1;
            foreach (int i in shape.IndicesOf(c))
            {
                double xhat = (x[i] - mean) * rstd;
                dx[i] = gamma * rstd * (dy[i] - db[c] / m - xhat * dw[c] / m);
            }
        }

        return new Gradients(dx, dw, db);
    }

    /// <summary>Evaluation-mode gradients: the running statistics are constants.</summary>
    public static Gradients BackwardEval(
        BatchShape shape, double[] dy, double[] x, double[]? weight, double[] runningMean, double[] runningVar, double eps,
        double[]? bias = null, ActivationKind? activation = null)
    {
        dy = ThroughActivation(dy, Eval(shape, x, weight, bias, runningMean, runningVar, eps), activation);
        var dx = new double[x.Length];
        var dw = new double[shape.Channels];
        var db = new double[shape.Channels];
        for (int c = 0; c < shape.Channels; c++)
        {
            double rstd = 1 / Math.Sqrt(runningVar[c] + eps);
            double gamma = weight?[c] ?? 1;
            foreach (int i in shape.IndicesOf(c))
            {
                db[c] += dy[i];
                dw[c] += dy[i] * (x[i] - runningMean[c]) * rstd;
                dx[i] = dy[i] * gamma * rstd;
            }
        }

        return new Gradients(dx, dw, db);
    }

    private static double[] Activate(double[] z, ActivationKind? activation) =>
        activation is { } kind ? Array.ConvertAll(z, v => ActivationReference.Forward(kind, v)) : z;

    /// <summary>dz = dy·act'(z), the gradient at the pre-activation z.</summary>
    private static double[] ThroughActivation(double[] dy, double[] z, ActivationKind? activation)
    {
        if (activation is not { } kind)
        {
            return dy;
        }

        var dz = new double[dy.Length];
        for (int i = 0; i < dy.Length; i++)
        {
            dz[i] = dy[i] * Derivative(kind, z[i]);
        }

        return dz;
    }

    /// <summary>The activations' derivatives, as PyTorch's backward kernels define them.</summary>
    public static double Derivative(ActivationKind kind, double z)
    {
        switch (kind)
        {
            case ActivationKind.Relu:
                return z > 0 ? 1 : 0;
            case ActivationKind.Gelu:
                return ExactErf.NormalCdf(z) + z * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
            case ActivationKind.GeluTanh:
                const double Beta = 0.79788456080286535588, Kappa = 0.044715;
                double inner = Math.Tanh(Beta * (z + Kappa * z * z * z));
                return 0.5 * (1 + inner) + 0.5 * z * (1 - inner * inner) * Beta * (1 + 3 * Kappa * z * z);
            case ActivationKind.Silu:
                double sigmoid = 1 / (1 + Math.Exp(-z));
                return sigmoid * (1 + z * (1 - sigmoid));
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    private static double[] Normalize(BatchShape shape, double[] x, double[] mean, double[] rstd, double[]? weight, double[]? bias)
    {
        var y = new double[x.Length];
        for (int c = 0; c < shape.Channels; c++)
        {
            foreach (int i in shape.IndicesOf(c))
            {
                y[i] = (x[i] - mean[c]) * rstd[c] * (weight?[c] ?? 1) + (bias?[c] ?? 0);
            }
        }

        return y;
    }

    public sealed record Forward(double[] Output, double[] Mean, double[] Rstd, double[] Variance);

    public sealed record Gradients(double[] GradInput, double[] GradWeight, double[] GradBias);
}

/// <summary>The shape of one batch: samples, channels, spatial elements per channel, and where the channel axis sits.</summary>
public sealed record BatchShape(int Batch, int Channels, int Spatial, bool ChannelsLast)
{
    public int Length => Batch * Channels * Spatial;

    public int ValuesPerChannel => Batch * Spatial;

    /// <summary>The flat index of element (n, c, s).</summary>
    public int Index(int n, int c, int s) => ChannelsLast ? (n * Spatial + s) * Channels + c : (n * Channels + c) * Spatial + s;

    /// <summary>The flat indices of every element of channel <paramref name="c"/>, sample by sample.</summary>
    public System.Collections.Generic.IEnumerable<int> IndicesOf(int c)
    {
        for (int n = 0; n < Batch; n++)
        {
            for (int s = 0; s < Spatial; s++)
            {
                yield return Index(n, c, s);
            }
        }
    }
}
