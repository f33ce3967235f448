using System;

namespace NormGen.Tests.ChannelsFirst;

/// <summary>
/// Straightforward float64 LayerNorm and RMSNorm over interior axes, written from PyTorch's definitions:
/// gather each column (o, ·, q), normalize it as a row, scatter it back. No attention to speed.
/// </summary>
public static class ColumnReference
{
    public static ColumnForward Forward(ColumnCase norm, double[] x, double[]? weight, double[]? bias)
    {
        (double[] z, double[] mean, double[] rstd) = PreActivation(norm, x, weight, bias);
        var y = new double[z.Length];
        for (int i = 0; i < z.Length; i++)
        {
            y[i] = Activate(norm.Activation, z[i]);
        }

        return new ColumnForward(y, mean, rstd);
    }

    /// <summary>
    /// dz = dy·act'(z); then, per column, with g = dz·γ and x̂ = (x - mean)·rstd (or x·rstd):
    /// dx = rstd·(g - mean(g) - x̂·mean(g·x̂)) for LayerNorm, rstd·(g - x̂·mean(g·x̂)) for RMSNorm;
    /// dγ[r] = Σ dz·x̂ and dβ[r] = Σ dz over every column.
    /// </summary>
    public static ColumnBackward Backward(ColumnCase norm, double[] dy, double[] x, double[]? weight, double[]? bias)
    {
        int reduced = norm.Reduced, inner = norm.Inner;
        int outer = x.Length / norm.OuterLength;
        (double[] z, double[] mean, double[] rstd) = PreActivation(norm, x, weight, bias);
        var dx = new double[x.Length];
        var dw = new double[reduced];
        var db = new double[reduced];
        var xhat = new double[reduced];
        var g = new double[reduced];
        var dz = new double[reduced];
        for (int o = 0; o < outer; o++)
        {
            for (int q = 0; q < inner; q++)
            {
                int column = o * inner + q;
                double gMean = 0, gxMean = 0;
                for (int r = 0; r < reduced; r++)
                {
                    int k = Index(norm, o, r, q);
                    xhat[r] = (x[k] - mean[column]) * rstd[column];
                    dz[r] = dy[k] * Derivative(norm.Activation, z[k]);
                    g[r] = dz[r] * (weight?[r] ?? 1);
                    gMean += g[r];
                    gxMean += g[r] * xhat[r];
                    dw[r] += dz[r] * xhat[r];
                    db[r] += dz[r];
                }

                gMean /= reduced;
                gxMean /= reduced;
                for (int r = 0; r < reduced; r++)
                {
                    dx[Index(norm, o, r, q)] = rstd[column] * (g[r] - (norm.Centered ? gMean : 0) - xhat[r] * gxMean);
                }
            }
        }

        return new ColumnBackward(dx, dw, db);
    }

    /// <summary>The flat index of element (o, r, q).</summary>
    public static int Index(ColumnCase norm, int o, int r, int q) => (o * norm.Reduced + r) * norm.Inner + q;

    public static double Activate(FusedActivation activation, double z) => activation switch
    {
        FusedActivation.None => z,
        FusedActivation.Relu => z > 0 ? z : double.IsNaN(z) ? z : 0,
        FusedActivation.Gelu => 0.5 * z * (1 + Erf(z / Math.Sqrt(2))),
        FusedActivation.GeluTanh => 0.5 * z * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z))),
        FusedActivation.Silu => z / (1 + Math.Exp(-z)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    public static double Derivative(FusedActivation activation, double z)
    {
        switch (activation)
        {
            case FusedActivation.None:
                return 1;
            case FusedActivation.Relu:
                return z > 0 ? 1 : 0;
            case FusedActivation.Gelu:
                return 0.5 * (1 + Erf(z / Math.Sqrt(2))) + z * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
            case FusedActivation.GeluTanh:
            {
                double c = Math.Sqrt(2 / Math.PI);
                double t = Math.Tanh(c * (z + 0.044715 * z * z * z));
                return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * c * (1 + 3 * 0.044715 * z * z);
            }

            case FusedActivation.Silu:
            {
                double s = 1 / (1 + Math.Exp(-z));
                return s * (1 + z * (1 - s));
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(activation));
        }
    }

    /// <summary>
    /// erf to about 1e-14: its Maclaurin series below 3, and beyond, 1 - erfc with erfc from its continued fraction
    /// erfc(x) = exp(-x²)/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …)))).
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        double a = Math.Abs(x);
        double result;
        if (a < 3)
        {
            double term = a, sum = a;
            for (int n = 1; n < 200 && Math.Abs(term) > 1e-18 * Math.Abs(sum); n++)
            {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }

            result = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            double fraction = a;
            for (int n = 80; n >= 1; n--)
            {
                fraction = a + n / 2.0 / fraction;
            }

            result = 1 - Math.Exp(-a * a) / (Math.Sqrt(Math.PI) * fraction);
        }

        return x < 0 ? -result : result;
    }

    private static (double[] Z, double[] Mean, double[] Rstd) PreActivation(ColumnCase norm, double[] x, double[]? weight, double[]? bias)
    {
        int reduced = norm.Reduced, inner = norm.Inner;
        int outer = x.Length / norm.OuterLength;
        var z = new double[x.Length];
        var mean = new double[outer * inner];
        var rstd = new double[outer * inner];
        for (int o = 0; o < outer; o++)
        {
            for (int q = 0; q < inner; q++)
            {
                double m = 0;
                if (norm.Centered)
                {
                    for (int r = 0; r < reduced; r++)
                    {
                        m += x[Index(norm, o, r, q)];
                    }

                    m /= reduced;
                }

                double squares = 0;
                for (int r = 0; r < reduced; r++)
                {
                    double d = x[Index(norm, o, r, q)] - m;
                    squares += d * d;
                }

                double s = 1 / Math.Sqrt(squares / reduced + norm.Epsilon);
                for (int r = 0; r < reduced; r++)
                {
                    int k = Index(norm, o, r, q);
                    double value = (x[k] - m) * s;
                    if (weight is not null)
                    {
                        value *= weight[r];
                    }

                    if (bias is not null)
                    {
                        value += bias[r];
                    }

                    z[k] = value;
                }

                mean[o * inner + q] = m;
                rstd[o * inner + q] = s;
            }
        }

        return (z, mean, rstd);
    }
}
