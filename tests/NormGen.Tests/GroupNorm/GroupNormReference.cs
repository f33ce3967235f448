using System;

namespace NormGen.Tests.GroupNorm;

/// <summary>Where the elements of a GroupNorm/InstanceNorm input sit: channels-first or channels-last.</summary>
public sealed record GroupNormShape(int Channels, int Groups, int Spatial, bool ChannelsLast)
{
    public int SampleLength => Channels * Spatial;

    public int ChannelsPerGroup => Channels / Groups;

    public int GroupLength => ChannelsPerGroup * Spatial;

    /// <summary>The flat index of element (n, c, s).</summary>
    public int Index(int n, int c, int s) => ChannelsLast ? (n * Spatial + s) * Channels + c : (n * Channels + c) * Spatial + s;

    public int BatchOf(int length) => length / SampleLength;
}

/// <summary>
/// Straightforward float64 GroupNorm / InstanceNorm, written from PyTorch's definitions element by element
/// with no attention to speed: the yardstick the kernels are held to.
/// </summary>
public static class GroupNormReference
{
    public sealed record Forward(double[] Output, double[] Mean, double[] Rstd, double[] Variance);

    public sealed record Backward(double[] GradInput, double[]? GradWeight, double[]? GradBias);

    /// <summary>Normalizes every (sample, group) with its biased variance, then applies γ, β and the activation.</summary>
    public static Forward Run(GroupNormShape shape, double eps, double[] x, double[]? weight, double[]? bias, Activation activation = Activation.None)
    {
        int batch = shape.BatchOf(x.Length);
        var mean = new double[batch * shape.Groups];
        var variance = new double[mean.Length];
        var rstd = new double[mean.Length];
        for (int n = 0; n < batch; n++)
        {
            for (int g = 0; g < shape.Groups; g++)
            {
                double sum = 0;
                ForEach(shape, n, g, i => sum += x[i]);
                double m = sum / shape.GroupLength;
                double squares = 0;
                ForEach(shape, n, g, i => squares += (x[i] - m) * (x[i] - m));
                mean[n * shape.Groups + g] = m;
                variance[n * shape.Groups + g] = squares / shape.GroupLength;
                rstd[n * shape.Groups + g] = 1 / Math.Sqrt(squares / shape.GroupLength + eps);
            }
        }

        return new Forward(Normalize(shape, x, weight, bias, mean, rstd, activation), mean, rstd, variance);
    }

    /// <summary>Applies given per-(sample, group) statistics: <c>act((x - mean)·rstd·γ + β)</c>.</summary>
    public static double[] Normalize(GroupNormShape shape, double[] x, double[]? weight, double[]? bias, double[] mean, double[] rstd, Activation activation = Activation.None)
    {
        int batch = shape.BatchOf(x.Length);
        var y = new double[x.Length];
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < shape.Channels; c++)
            {
                int statistic = n * shape.Groups + c / shape.ChannelsPerGroup;
                for (int s = 0; s < shape.Spatial; s++)
                {
                    int i = shape.Index(n, c, s);
                    double z = (x[i] - mean[statistic]) * rstd[statistic];
                    z = z * (weight?[c] ?? 1) + (bias?[c] ?? 0);
                    y[i] = Activate(activation, z);
                }
            }
        }

        return y;
    }

    /// <summary>
    /// The gradients of <c>Σ y·dy</c>, from the textbook formula: with x̂ = (x - mean)·rstd, g = dz·γ and dz = dy·act'(z),
    /// dx = rstd·(g - mean(g) - x̂·mean(g·x̂)) over each group, dγ = Σ dz·x̂ and dβ = Σ dz over samples and space.
    /// </summary>
    public static Backward Gradients(GroupNormShape shape, double eps, double[] dy, double[] x, double[]? weight, double[]? bias, Activation activation = Activation.None)
    {
        // Without the activation, the output is the activation's input z.
        Forward forward = Run(shape, eps, x, weight, bias);
        int batch = shape.BatchOf(x.Length);
        var dz = new double[dy.Length];
        for (int i = 0; i < dz.Length; i++)
        {
            dz[i] = dy[i] * DerivativeAt(activation, forward.Output[i]);
        }

        var dx = new double[x.Length];
        double[]? dw = weight is null ? null : new double[shape.Channels];
        double[]? db = weight is null ? null : new double[shape.Channels];
        for (int n = 0; n < batch; n++)
        {
            for (int g = 0; g < shape.Groups; g++)
            {
                double m = forward.Mean[n * shape.Groups + g], r = forward.Rstd[n * shape.Groups + g];
                double sumG = 0, sumGX = 0;
                ForEachChannel(shape, n, g, (i, c) =>
                {
                    double xhat = (x[i] - m) * r, gi = dz[i] * (weight?[c] ?? 1);
                    sumG += gi;
                    sumGX += gi * xhat;
                    if (dw is not null)
                    {
                        dw[c] += dz[i] * xhat;
                        db![c] += dz[i];
                    }
                });

                double meanG = sumG / shape.GroupLength, meanGX = sumGX / shape.GroupLength;
                ForEachChannel(shape, n, g, (i, c) =>
                {
                    double xhat = (x[i] - m) * r, gi = dz[i] * (weight?[c] ?? 1);
                    dx[i] = r * (gi - meanG - xhat * meanGX);
                });
            }
        }

        return new Backward(dx, dw, db);
    }

    /// <summary>
    /// PyTorch's InstanceNorm running-statistics update: per (sample, channel),
    /// <c>(1 - m)·running + m·batchValue</c> with the unbiased variance, averaged over the samples.
    /// </summary>
    public static (double[] Mean, double[] Var) UpdateRunning(GroupNormShape shape, double momentum, double[] x, double[] runningMean, double[] runningVar)
    {
        Forward forward = Run(shape, 0, x, null, null);
        int batch = shape.BatchOf(x.Length);
        var mean = new double[shape.Channels];
        var variance = new double[shape.Channels];
        double unbiased = (double)shape.GroupLength / (shape.GroupLength - 1);
        for (int c = 0; c < shape.Channels; c++)
        {
            for (int n = 0; n < batch; n++)
            {
                int statistic = n * shape.Groups + c / shape.ChannelsPerGroup;
                mean[c] += (1 - momentum) * runningMean[c] + momentum * forward.Mean[statistic];
                variance[c] += (1 - momentum) * runningVar[c] + momentum * forward.Variance[statistic] * unbiased;
            }

            mean[c] /= batch;
            variance[c] /= batch;
        }

        return (mean, variance);
    }

    /// <summary>Evaluation mode: every channel normalized with the running statistics.</summary>
    public static double[] Eval(GroupNormShape shape, double eps, double[] x, double[]? weight, double[]? bias, double[] runningMean, double[] runningVar)
    {
        int batch = shape.BatchOf(x.Length);
        var mean = new double[batch * shape.Groups];
        var rstd = new double[mean.Length];
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < shape.Channels; c++)
            {
                mean[n * shape.Groups + c] = runningMean[c];
                rstd[n * shape.Groups + c] = 1 / Math.Sqrt(runningVar[c] + eps);
            }
        }

        return Normalize(shape, x, weight, bias, mean, rstd);
    }

    public static double Activate(Activation activation, double z) => activation switch
    {
        Activation.None => z,
        Activation.Relu => z > 0 ? z : (double.IsNaN(z) ? z : 0),
        Activation.Gelu => 0.5 * z * (1 + Erf(z / Math.Sqrt(2))),
        Activation.GeluTanh => 0.5 * z * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z))),
        Activation.Silu => z / (1 + Math.Exp(-z)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    /// <summary>act'(z).</summary>
    public static double DerivativeAt(Activation activation, double z)
    {
        switch (activation)
        {
            case Activation.None:
                return 1;
            case Activation.Relu:
                return z > 0 ? 1 : 0;
            case Activation.Gelu:
                return 0.5 * (1 + Erf(z / Math.Sqrt(2))) + z * Math.Exp(-z * z / 2) / Math.Sqrt(2 * Math.PI);
            case Activation.GeluTanh:
            {
                double k = Math.Sqrt(2 / Math.PI), u = k * (z + 0.044715 * z * z * z), t = Math.Tanh(u);
                return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * k * (1 + 3 * 0.044715 * z * z);
            }

            case Activation.Silu:
            {
                double sigma = 1 / (1 + Math.Exp(-z));
                return sigma * (1 + z * (1 - sigma));
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(activation));
        }
    }

    /// <summary>erf from its Taylor series near zero and its asymptotic expansion beyond; about 1e-12 absolute.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        double a = Math.Abs(x);
        double result;
        if (a <= 3)
        {
            double term = a, sum = a;
            for (int n = 1; n < 200 && Math.Abs(term) > 1e-17 * Math.Abs(sum); n++)
            {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }

            result = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            double inverse = 1 / (2 * a * a), series = 1, term = 1;
            for (int n = 1; n < 8; n++)
            {
                term *= -(2 * n - 1) * inverse;
                series += term;
            }

            result = 1 - Math.Exp(-a * a) / (a * Math.Sqrt(Math.PI)) * series;
        }

        return x < 0 ? -result : result;
    }

    private static void ForEach(GroupNormShape shape, int n, int g, Action<int> action) => ForEachChannel(shape, n, g, (i, _) => action(i));

    private static void ForEachChannel(GroupNormShape shape, int n, int g, Action<int, int> action)
    {
        for (int c = g * shape.ChannelsPerGroup; c < (g + 1) * shape.ChannelsPerGroup; c++)
        {
            for (int s = 0; s < shape.Spatial; s++)
            {
                action(shape.Index(n, c, s), c);
            }
        }
    }
}
