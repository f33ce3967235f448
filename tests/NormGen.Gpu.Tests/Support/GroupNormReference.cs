using System;

namespace NormGen.Gpu.Tests.Support;

/// <summary>Float64 GroupNorm (InstanceNorm: a group per channel) from PyTorch's definitions.</summary>
internal sealed class GroupNormReference
{
    private readonly int _channels;
    private readonly int _groups;
    private readonly int _spatial;
    private readonly bool _channelsLast;

    public GroupNormReference(int channels, int groups, int spatial, bool channelsLast)
    {
        _channels = channels;
        _groups = groups;
        _spatial = spatial;
        _channelsLast = channelsLast;
    }

    private int Index(int n, int c, int s) => _channelsLast ? (n * _spatial + s) * _channels + c : (n * _channels + c) * _spatial + s;

    /// <summary>y, and the mean and rstd of every (sample, group), sample-major.</summary>
    public (double[] Y, double[] Mean, double[] Rstd) Forward(double[] x, double eps, double[]? weight, double[]? bias)
    {
        int batch = x.Length / (_channels * _spatial), perGroup = _channels / _groups, d = perGroup * _spatial;
        var y = new double[x.Length];
        var mean = new double[batch * _groups];
        var rstd = new double[batch * _groups];
        for (int n = 0; n < batch; n++)
        for (int g = 0; g < _groups; g++)
        {
            double sum = 0, squares = 0;
            for (int c = g * perGroup; c < (g + 1) * perGroup; c++) for (int s = 0; s < _spatial; s++) sum += x[Index(n, c, s)];
            double m = sum / d;
            for (int c = g * perGroup; c < (g + 1) * perGroup; c++) for (int s = 0; s < _spatial; s++) squares += Math.Pow(x[Index(n, c, s)] - m, 2);
            double r = 1 / Math.Sqrt(squares / d + eps);
            for (int c = g * perGroup; c < (g + 1) * perGroup; c++)
            for (int s = 0; s < _spatial; s++)
            {
                int i = Index(n, c, s);
                y[i] = (x[i] - m) * r * (weight?[c] ?? 1) + (bias?[c] ?? 0);
            }

            mean[n * _groups + g] = m;
            rstd[n * _groups + g] = r;
        }

        return (y, mean, rstd);
    }

    /// <summary>dx = rstd·(g - mean(g) - x̂·mean(g·x̂)) per (sample, group) with g = dy·γ; dγ = Σ dy·x̂, dβ = Σ dy per channel.</summary>
    public (double[] Dx, double[] Dw, double[] Db) Backward(double[] dy, double[] x, double eps, double[]? weight)
    {
        int batch = x.Length / (_channels * _spatial), perGroup = _channels / _groups, d = perGroup * _spatial;
        var (_, mean, rstd) = Forward(x, eps, null, null);
        var dx = new double[x.Length];
        var dw = new double[_channels];
        var db = new double[_channels];
        for (int n = 0; n < batch; n++)
        for (int g = 0; g < _groups; g++)
        {
            double m = mean[n * _groups + g], r = rstd[n * _groups + g], gMean = 0, gxMean = 0;
            for (int c = g * perGroup; c < (g + 1) * perGroup; c++)
            for (int s = 0; s < _spatial; s++)
            {
                int i = Index(n, c, s);
                double xhat = (x[i] - m) * r, grad = dy[i] * (weight?[c] ?? 1);
                gMean += grad / d;
                gxMean += grad * xhat / d;
                dw[c] += dy[i] * xhat;
                db[c] += dy[i];
            }

            for (int c = g * perGroup; c < (g + 1) * perGroup; c++)
            for (int s = 0; s < _spatial; s++)
            {
                int i = Index(n, c, s);
                double xhat = (x[i] - m) * r;
                dx[i] = r * (dy[i] * (weight?[c] ?? 1) - gMean - xhat * gxMean);
            }
        }

        return (dx, dw, db);
    }
}
