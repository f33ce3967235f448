using System;
using NormGen.Kernels;

namespace NormGen.Tests.ActivationKernels;

/// <summary>The activations under test, by name, with straightforward float64 definitions beside the kernels.</summary>
public enum ActivationKind
{
    Relu,
    Gelu,
    GeluTanh,
    Silu,
}

internal static class ActivationReference
{
    private const double SqrtTwoOverPi = 0.79788456080286535588;
    private const double Kappa = 0.044715;

    /// <summary>PyTorch's definitions, evaluated in double with an exact erf.</summary>
    public static double Forward(ActivationKind kind, double z) => kind switch
    {
        ActivationKind.Relu => z > 0 ? z : 0,
        ActivationKind.Gelu => z * ExactErf.NormalCdf(z),
        ActivationKind.GeluTanh => 0.5 * z * (1 + Math.Tanh(SqrtTwoOverPi * (z + Kappa * z * z * z))),
        ActivationKind.Silu => z / (1 + Math.Exp(-z)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static void Forward(ActivationKind kind, ReadOnlySpan<float> z, Span<float> y)
    {
        switch (kind)
        {
            case ActivationKind.Relu: Activations.Relu(z, y); break;
            case ActivationKind.Gelu: Activations.Gelu(z, y); break;
            case ActivationKind.GeluTanh: Activations.GeluTanh(z, y); break;
            case ActivationKind.Silu: Activations.Silu(z, y); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    public static void Forward(ActivationKind kind, ReadOnlySpan<double> z, Span<double> y)
    {
        switch (kind)
        {
            case ActivationKind.Relu: Activations.Relu(z, y); break;
            case ActivationKind.Gelu: Activations.Gelu(z, y); break;
            case ActivationKind.GeluTanh: Activations.GeluTanh(z, y); break;
            case ActivationKind.Silu: Activations.Silu(z, y); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    public static void Backward(ActivationKind kind, ReadOnlySpan<float> z, Span<float> grad)
    {
        switch (kind)
        {
            case ActivationKind.Relu: Activations.ReluBackward(z, grad); break;
            case ActivationKind.Gelu: Activations.GeluBackward(z, grad); break;
            case ActivationKind.GeluTanh: Activations.GeluTanhBackward(z, grad); break;
            case ActivationKind.Silu: Activations.SiluBackward(z, grad); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    public static void Backward(ActivationKind kind, ReadOnlySpan<double> z, Span<double> grad)
    {
        switch (kind)
        {
            case ActivationKind.Relu: Activations.ReluBackward(z, grad); break;
            case ActivationKind.Gelu: Activations.GeluBackward(z, grad); break;
            case ActivationKind.GeluTanh: Activations.GeluTanhBackward(z, grad); break;
            case ActivationKind.Silu: Activations.SiluBackward(z, grad); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }
}
