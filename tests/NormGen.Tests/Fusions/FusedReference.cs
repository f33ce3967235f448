using System;
using NormGen.Tests.ActivationKernels;

namespace NormGen.Tests.Fusions;

/// <summary>
/// The fused norms written out in float64 from their definitions, one step after another: the adds in
/// front, LayerNorm or RMSNorm (two-pass statistics), the affine step, the activation; and backward by
/// the chain rule through the same steps. No attention to speed.
/// </summary>
internal static class FusedReference
{
    private const double SqrtTwoOverPi = 0.79788456080286535588;
    private const double Kappa = 0.044715;

    public sealed record Forward(double[] Sum, double[] PreActivation, double[] Output, double[] Mean, double[] Rstd);

    public sealed record Backward(double[] GradInput, double[] GradInputBias, double[] GradWeight, double[] GradBias);

    /// <param name="roundSum">Rounds the sum in front of the norm to Half, as Half kernels define it.</param>
    public static Forward Run(FusedCase c, FusedInputs inputs, bool roundSum)
    {
        int d = c.RowLength, rows = inputs.X.Length / d;
        var h = new double[inputs.X.Length];
        for (int k = 0; k < h.Length; k++)
        {
            double value = inputs.X[k];
            if (c.InputBias)
            {
                value += inputs.InputBias[k % d];
            }

            if (c.Residual)
            {
                value += inputs.Residual[k];
            }

            h[k] = roundSum ? (double)(Half)value : value;
        }

        var z = new double[h.Length];
        var y = new double[h.Length];
        var mean = new double[rows];
        var rstd = new double[rows];
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<double> xs = h.AsSpan(row * d, d);
            double m = 0;
            if (c.Centered)
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

            double r = 1 / Math.Sqrt(squares / d + c.Epsilon);
            for (int i = 0; i < d; i++)
            {
                int k = row * d + i;
                double value = (xs[i] - m) * r;
                if (c.HasWeight)
                {
                    value *= inputs.Weight[i];
                }

                if (c.HasBias)
                {
                    value += inputs.Bias[i];
                }

                z[k] = value;
                y[k] = c.Activation is { } kind ? ActivationReference.Forward(kind, value) : value;
            }

            mean[row] = m;
            rstd[row] = r;
        }

        return new Forward(h, z, y, mean, rstd);
    }

    public static Backward Gradients(FusedCase c, FusedInputs inputs, Forward forward)
    {
        int d = c.RowLength, rows = inputs.X.Length / d;
        var dx = new double[inputs.X.Length];
        var dib = new double[d];
        var dw = new double[d];
        var db = new double[d];
        for (int row = 0; row < rows; row++)
        {
            double m = forward.Mean[row], r = forward.Rstd[row];
            var xhat = new double[d];
            var g = new double[d];
            double gMean = 0, gxMean = 0;
            for (int i = 0; i < d; i++)
            {
                int k = row * d + i;
                double dz = inputs.GradOutput[k] * (c.Activation is { } kind ? Derivative(kind, forward.PreActivation[k]) : 1);
                xhat[i] = (forward.Sum[k] - m) * r;
                g[i] = dz * (c.HasWeight ? inputs.Weight[i] : 1);
                gMean += g[i];
                gxMean += g[i] * xhat[i];
                dw[i] += dz * xhat[i];
                db[i] += dz;
            }

            gMean /= d;
            gxMean /= d;
            for (int i = 0; i < d; i++)
            {
                double value = r * (g[i] - (c.Centered ? gMean : 0) - xhat[i] * gxMean);
                dx[row * d + i] = value;
                dib[i] += value;
            }
        }

        return new Backward(dx, dib, dw, db);
    }

    /// <summary>The activations' derivatives, from PyTorch's definitions.</summary>
    public static double Derivative(ActivationKind kind, double z)
    {
        switch (kind)
        {
            case ActivationKind.Relu:
                return z > 0 ? 1 : 0;
            case ActivationKind.Gelu:
                return ExactErf.NormalCdf(z) + z * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
            case ActivationKind.GeluTanh:
                double t = Math.Tanh(SqrtTwoOverPi * (z + Kappa * z * z * z));
                return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * SqrtTwoOverPi * (1 + 3 * Kappa * z * z);
            case ActivationKind.Silu:
                double s = 1 / (1 + Math.Exp(-z));
                return s * (1 + z * (1 - s));
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }
}
