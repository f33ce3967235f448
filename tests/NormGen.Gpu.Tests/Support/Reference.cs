using System;

namespace NormGen.Gpu.Tests.Support;

/// <summary>Float64 LayerNorm and RMSNorm written from PyTorch's definitions: the yardstick the kernels are held to.</summary>
internal static class Reference
{
    public static (double[] Y, double[] Mean, double[] Rstd) Forward(bool centered, int d, double eps, double[] x, double[]? weight, double[]? bias)
    {
        int rows = x.Length / d;
        var y = new double[x.Length];
        var mean = new double[rows];
        var rstd = new double[rows];
        for (int row = 0; row < rows; row++)
        {
            double m = 0;
            if (centered)
            {
                for (int i = 0; i < d; i++) m += x[row * d + i];
                m /= d;
            }

            double squares = 0;
            for (int i = 0; i < d; i++) squares += (x[row * d + i] - m) * (x[row * d + i] - m);
            double r = 1 / Math.Sqrt(squares / d + eps);
            for (int i = 0; i < d; i++)
            {
                y[row * d + i] = (x[row * d + i] - m) * r * (weight?[i] ?? 1) + (bias?[i] ?? 0);
            }

            mean[row] = m;
            rstd[row] = r;
        }

        return (y, mean, rstd);
    }

    /// <summary>dx = rstd·(g - mean(g) - x̂·mean(g·x̂)) (RMSNorm: without mean(g)), g = dy·γ; dγ = Σ dy·x̂, dβ = Σ dy.</summary>
    public static (double[] Dx, double[] Dw, double[] Db) Backward(bool centered, int d, double eps, double[] dy, double[] x, double[]? weight)
    {
        int rows = x.Length / d;
        var (_, mean, rstd) = Forward(centered, d, eps, x, null, null);
        var dx = new double[x.Length];
        var dw = new double[d];
        var db = new double[d];
        var xhat = new double[d];
        var g = new double[d];
        for (int row = 0; row < rows; row++)
        {
            double gMean = 0, gxMean = 0;
            for (int i = 0; i < d; i++)
            {
                int k = row * d + i;
                xhat[i] = (x[k] - mean[row]) * rstd[row];
                g[i] = dy[k] * (weight?[i] ?? 1);
                gMean += g[i];
                gxMean += g[i] * xhat[i];
                dw[i] += dy[k] * xhat[i];
                db[i] += dy[k];
            }

            gMean /= d;
            gxMean /= d;
            for (int i = 0; i < d; i++)
            {
                dx[row * d + i] = rstd[row] * (g[i] - (centered ? gMean : 0) - xhat[i] * gxMean);
            }
        }

        return (dx, dw, db);
    }
}
