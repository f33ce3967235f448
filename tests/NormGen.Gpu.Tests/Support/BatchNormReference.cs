using System;

namespace NormGen.Gpu.Tests.Support;

/// <summary>Float64 BatchNorm from PyTorch's definitions; <c>index(n, c, s)</c> says where an element sits.</summary>
internal sealed class BatchNormReference
{
    private readonly int _channels;
    private readonly int _spatial;
    private readonly bool _channelsLast;

    public BatchNormReference(int channels, int spatial, bool channelsLast)
    {
        _channels = channels;
        _spatial = spatial;
        _channelsLast = channelsLast;
    }

    public int Index(int n, int c, int s) => _channelsLast ? (n * _spatial + s) * _channels + c : (n * _channels + c) * _spatial + s;

    /// <summary>Batch mean and biased variance per channel.</summary>
    public (double[] Mean, double[] Var) Statistics(double[] x)
    {
        int batch = x.Length / (_channels * _spatial);
        var mean = new double[_channels];
        var variance = new double[_channels];
        for (int c = 0; c < _channels; c++)
        {
            double sum = 0;
            for (int n = 0; n < batch; n++) for (int s = 0; s < _spatial; s++) sum += x[Index(n, c, s)];
            mean[c] = sum / (batch * _spatial);
            double squares = 0;
            for (int n = 0; n < batch; n++) for (int s = 0; s < _spatial; s++) squares += Math.Pow(x[Index(n, c, s)] - mean[c], 2);
            variance[c] = squares / (batch * _spatial);
        }

        return (mean, variance);
    }

    /// <summary>y = (x - mean)/sqrt(var + eps)·γ + β per channel.</summary>
    public double[] Normalize(double[] x, double[] mean, double[] variance, double eps, double[]? weight, double[]? bias)
    {
        int batch = x.Length / (_channels * _spatial);
        var y = new double[x.Length];
        for (int n = 0; n < batch; n++)
        for (int c = 0; c < _channels; c++)
        for (int s = 0; s < _spatial; s++)
        {
            int i = Index(n, c, s);
            y[i] = (x[i] - mean[c]) / Math.Sqrt(variance[c] + eps) * (weight?[c] ?? 1) + (bias?[c] ?? 0);
        }

        return y;
    }

    /// <summary>dx = γ·rstd·(dy - mean(dy) - x̂·mean(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy, per channel.</summary>
    public (double[] Dx, double[] Dw, double[] Db) Backward(double[] dy, double[] x, double eps, double[]? weight)
    {
        int batch = x.Length / (_channels * _spatial);
        int m = batch * _spatial;
        var (mean, variance) = Statistics(x);
        var dx = new double[x.Length];
        var dw = new double[_channels];
        var db = new double[_channels];
        for (int c = 0; c < _channels; c++)
        {
            double rstd = 1 / Math.Sqrt(variance[c] + eps);
            for (int n = 0; n < batch; n++)
            for (int s = 0; s < _spatial; s++)
            {
                int i = Index(n, c, s);
                db[c] += dy[i];
                dw[c] += dy[i] * (x[i] - mean[c]) * rstd;
            }

            for (int n = 0; n < batch; n++)
            for (int s = 0; s < _spatial; s++)
            {
                int i = Index(n, c, s);
                double xhat = (x[i] - mean[c]) * rstd;
                dx[i] = (weight?[c] ?? 1) * rstd * (dy[i] - db[c] / m - xhat * dw[c] / m);
            }
        }

        return (dx, dw, db);
    }
}
