using System;

namespace NormGen.Tests.Support;

/// <summary>
/// Straightforward float64 LayerNorm and RMSNorm, written from PyTorch's definitions with no
/// attention to speed: the yardstick every kernel is held to.
/// </summary>
public static class ReferenceNorms
{
    public static Forward Run(NormCase norm, double[] x, double[]? weight, double[]? bias)
    {
        int d = norm.RowLength;
        int rows = x.Length / d;
        var y = new double[x.Length];
        var mean = new double[rows];
        var rstd = new double[rows];
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<double> xs = x.AsSpan(row * d, d);
            double m = 0;
            if (norm.Centered)
            {
                foreach (double v in xs)
                {
                    m += v;
                }

                m /= d;
            }

            double squares = 0;
            foreach (double v in xs)
            {
                squares += (v - m) * (v - m);
            }

            double r = 1 / Math.Sqrt(squares / d + norm.Epsilon);
            for (int i = 0; i < d; i++)
            {
                double value = (xs[i] - m) * r;
                if (weight is not null)
                {
                    value *= weight[i];
                }

                if (bias is not null)
                {
                    value += bias[i];
                }

                y[row * d + i] = value;
            }

            mean[row] = m;
            rstd[row] = r;
        }

        return new Forward(y, mean, rstd);
    }

    /// <summary>
    /// Gradients by the chain rule through x̂ = (x - mean)·rstd (or x·rstd), with g = dy·γ:
    /// dx = rstd·(g - mean(g) - x̂·mean(g·x̂)) for LayerNorm, rstd·(g - x̂·mean(g·x̂)) for RMSNorm.
    /// </summary>
    public static Backward Gradients(NormCase norm, double[] dy, double[] x, double[]? weight)
    {
        int d = norm.RowLength;
        int rows = x.Length / d;
        Forward stats = Run(norm, x, weight, null);
        var dx = new double[x.Length];
        var dw = new double[d];
        var db = new double[d];
        for (int row = 0; row < rows; row++)
        {
            double m = stats.Mean[row], r = stats.Rstd[row];
            var xhat = new double[d];
            var g = new double[d];
            double gMean = 0, gxMean = 0;
            for (int i = 0; i < d; i++)
            {
                int k = row * d + i;
                xhat[i] = (x[k] - m) * r;
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
                dx[row * d + i] = r * (g[i] - (norm.Centered ? gMean : 0) - xhat[i] * gxMean);
            }
        }

        return new Backward(dx, dw, db);
    }

    public sealed record Forward(double[] Output, double[] Mean, double[] Rstd);

    public sealed record Backward(double[] GradInput, double[] GradWeight, double[] GradBias);
}
