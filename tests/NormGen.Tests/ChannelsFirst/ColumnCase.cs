using System;
using System.Numerics;

namespace NormGen.Tests.ChannelsFirst;

/// <summary>The activation a channels-first test norm fuses after its affine step.</summary>
public enum FusedActivation
{
    None,
    Relu,
    Gelu,
    GeluTanh,
    Silu,
}

/// <summary>Saved forward results, widened to float64: y, and the statistics laid out [outer, Inner].</summary>
public sealed record ColumnForward(double[] Output, double[] Mean, double[] Rstd);

/// <summary>Backward results, widened to float64.</summary>
public sealed record ColumnBackward(double[] GradInput, double[] GradWeight, double[] GradBias);

internal delegate void ColumnForwardKernel<TS, TC>(
    ReadOnlySpan<TS> x, ReadOnlySpan<TS> weight, ReadOnlySpan<TS> bias, Span<TS> y, Span<TC> mean, Span<TC> rstd);

internal delegate void ColumnBackwardKernel<TS, TC>(
    ReadOnlySpan<TS> dy, ReadOnlySpan<TS> x, ReadOnlySpan<TS> weight, ReadOnlySpan<TS> bias, ReadOnlySpan<TC> mean, ReadOnlySpan<TC> rstd,
    Span<TS> dx, Span<TS> gradWeight, Span<TS> gradBias);

/// <summary>
/// One generated channels-first kernel seen through a uniform float64 interface: the same specification runs
/// against LayerNorm and RMSNorm, float, double and Half, with and without affine parameters and activations.
/// </summary>
public abstract class ColumnCase
{
    protected ColumnCase(string name, bool centered, int reduced, int inner, double epsilon, bool hasWeight, bool hasBias, FusedActivation activation)
    {
        Name = name;
        Centered = centered;
        Reduced = reduced;
        Inner = inner;
        Epsilon = epsilon;
        HasWeight = hasWeight;
        HasBias = hasBias;
        Activation = activation;
    }

    public string Name { get; }

    /// <summary>LayerNorm subtracts the mean; RMSNorm does not.</summary>
    public bool Centered { get; }

    /// <summary>Elements per column.</summary>
    public int Reduced { get; }

    /// <summary>Columns per outer index, and the distance between a column's elements.</summary>
    public int Inner { get; }

    public double Epsilon { get; }

    public bool HasWeight { get; }

    public bool HasBias { get; }

    public FusedActivation Activation { get; }

    public abstract bool IsDouble { get; }

    public abstract bool IsHalf { get; }

    /// <summary>Elements per outer index.</summary>
    public int OuterLength => Reduced * Inner;

    /// <summary>Rounds a value to the kernel's element type, so the reference sees exactly the kernel's input.</summary>
    public abstract double Round(double value);

    public double[] Round(double[] values) => Array.ConvertAll(values, Round);

    /// <summary>Runs the kernel's forward pass, saving the statistics. Missing parameters default to γ = 1, β = 0.</summary>
    public abstract ColumnForward Forward(double[] x, double[]? weight, double[]? bias);

    /// <summary>Runs the kernel's backward pass on statistics a forward pass saved.</summary>
    public abstract ColumnBackward Backward(double[] dy, double[] x, double[]? weight, double[]? bias, ColumnForward saved);

    /// <summary>The kernel's forward pass with <paramref name="x"/> and the output in one buffer, as a copy of that buffer.</summary>
    public abstract double[] ForwardInPlace(double[] x, double[]? weight, double[]? bias);

    /// <summary>The parameter gradients' raw bits, for reproducibility checks.</summary>
    public abstract (ulong[] Weight, ulong[] Bias) ParameterGradientBits(double[] dy, double[] x, double[]? weight, double[]? bias, ColumnForward saved);

    public override string ToString() => Name;
}

internal sealed class ColumnCase<TS, TC> : ColumnCase
    where TS : unmanaged, IFloatingPointIeee754<TS>
    where TC : unmanaged, IFloatingPointIeee754<TC>
{
    private readonly ColumnForwardKernel<TS, TC> _forward;
    private readonly ColumnBackwardKernel<TS, TC> _backward;

    public ColumnCase(
        string name, bool centered, int reduced, int inner, TC epsilon, bool hasWeight, bool hasBias, FusedActivation activation,
        ColumnForwardKernel<TS, TC> forward, ColumnBackwardKernel<TS, TC> backward)
        : base(name, centered, reduced, inner, double.CreateChecked(epsilon), hasWeight, hasBias, activation)
    {
        _forward = forward;
        _backward = backward;
    }

    public override bool IsDouble => typeof(TS) == typeof(double);

    public override bool IsHalf => typeof(TS) == typeof(Half);

    public override double Round(double value) => double.CreateChecked(TS.CreateChecked(value));

    public override ColumnForward Forward(double[] x, double[]? weight, double[]? bias)
    {
        int columns = x.Length / Reduced;
        TS[] y = new TS[x.Length];
        TC[] mean = new TC[Centered ? columns : 0], rstd = new TC[columns];
        _forward(Cast<TS>(x), Parameter(weight, HasWeight, 1), Parameter(bias, HasBias, 0), y, mean, rstd);
        return new ColumnForward(Widen(y), Centered ? Widen(mean) : new double[columns], Widen(rstd));
    }

    public override ColumnBackward Backward(double[] dy, double[] x, double[]? weight, double[]? bias, ColumnForward saved)
    {
        (TS[] dx, TS[] dw, TS[] db) = RunBackward(dy, x, weight, bias, saved);
        return new ColumnBackward(Widen(dx), Widen(dw), Widen(db));
    }

    public override double[] ForwardInPlace(double[] x, double[]? weight, double[]? bias)
    {
        TS[] buffer = Cast<TS>(x);
        _forward(buffer, Parameter(weight, HasWeight, 1), Parameter(bias, HasBias, 0), buffer, default, default);
        return Widen(buffer);
    }

    public override (ulong[] Weight, ulong[] Bias) ParameterGradientBits(double[] dy, double[] x, double[]? weight, double[]? bias, ColumnForward saved)
    {
        (_, TS[] dw, TS[] db) = RunBackward(dy, x, weight, bias, saved);
        return (Array.ConvertAll(dw, Bits), Array.ConvertAll(db, Bits));
    }

    private (TS[] Dx, TS[] Dw, TS[] Db) RunBackward(double[] dy, double[] x, double[]? weight, double[]? bias, ColumnForward saved)
    {
        TS[] dx = new TS[x.Length], dw = new TS[HasWeight ? Reduced : 0], db = new TS[HasBias ? Reduced : 0];
        _backward(
            Cast<TS>(dy), Cast<TS>(x), Parameter(weight, HasWeight, 1), Parameter(bias, HasBias, 0),
            Centered ? Cast<TC>(saved.Mean) : default, Cast<TC>(saved.Rstd), dx, dw, db);
        return (dx, dw, db);
    }

    private static ulong Bits(TS value) => value switch
    {
        float f => BitConverter.SingleToUInt32Bits(f),
        double d => BitConverter.DoubleToUInt64Bits(d),
        Half h => BitConverter.HalfToUInt16Bits(h),
        _ => throw new NotSupportedException(),
    };

    private TS[] Parameter(double[]? values, bool present, double fill)
    {
        if (!present)
        {
            return [];
        }

        if (values is not null)
        {
            return Cast<TS>(values);
        }

        var filled = new TS[Reduced];
        Array.Fill(filled, TS.CreateChecked(fill));
        return filled;
    }

    private static TOut[] Cast<TOut>(double[] values)
        where TOut : unmanaged, IFloatingPointIeee754<TOut>
        => Array.ConvertAll(values, TOut.CreateChecked);

    private static double[] Widen<TIn>(TIn[] values)
        where TIn : unmanaged, IFloatingPointIeee754<TIn>
        => Array.ConvertAll(values, double.CreateChecked);
}
