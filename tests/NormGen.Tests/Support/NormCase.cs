using System;
using System.Numerics;

namespace NormGen.Tests.Support;

internal delegate void ForwardKernel<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y, Span<T> mean, Span<T> rstd);

internal delegate void BackwardKernel<T>(
    ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> mean, ReadOnlySpan<T> rstd,
    Span<T> dx, Span<T> gradWeight, Span<T> gradBias);

/// <summary>
/// One generated kernel seen through a uniform, float64 interface, so the same specification can be
/// run against LayerNorm and RMSNorm, float and double, with and without affine parameters.
/// </summary>
public abstract class NormCase
{
    protected NormCase(string name, bool centered, int rowLength, double epsilon, bool hasWeight, bool hasBias)
    {
        Name = name;
        Centered = centered;
        RowLength = rowLength;
        Epsilon = epsilon;
        HasWeight = hasWeight;
        HasBias = hasBias;
    }

    public string Name { get; }

    /// <summary>LayerNorm subtracts the mean; RMSNorm does not.</summary>
    public bool Centered { get; }

    public int RowLength { get; }

    public double Epsilon { get; }

    public bool HasWeight { get; }

    public bool HasBias { get; }

    public abstract bool IsDouble { get; }

    /// <summary>Rounds a value to the kernel's element type, so the reference sees exactly the kernel's input.</summary>
    public abstract double Round(double value);

    public double[] Round(double[] values) => Array.ConvertAll(values, Round);

    public abstract ReferenceNorms.Forward Forward(double[] x, double[]? weight, double[]? bias);

    public abstract ReferenceNorms.Backward Backward(double[] dy, double[] x, double[]? weight, ReferenceNorms.Forward saved);

    public override string ToString() => Name;
}

internal sealed class NormCase<T> : NormCase
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ForwardKernel<T> _forward;
    private readonly BackwardKernel<T> _backward;

    public NormCase(string name, bool centered, int rowLength, T epsilon, bool hasWeight, bool hasBias, ForwardKernel<T> forward, BackwardKernel<T> backward)
        : base(name, centered, rowLength, double.CreateChecked(epsilon), hasWeight, hasBias)
    {
        _forward = forward;
        _backward = backward;
    }

    public override bool IsDouble => typeof(T) == typeof(double);

    public override double Round(double value) => double.CreateChecked(T.CreateChecked(value));

    public override ReferenceNorms.Forward Forward(double[] x, double[]? weight, double[]? bias)
    {
        int rows = x.Length / RowLength;
        T[] y = new T[x.Length], mean = new T[Centered ? rows : 0], rstd = new T[rows];
        // A kernel with parameters needs them; the statistics don't depend on them.
        weight ??= HasWeight ? Filled(RowLength, 1) : null;
        bias ??= HasBias ? Filled(RowLength, 0) : null;
        _forward(Cast(x), Cast(weight), Cast(bias), y, mean, rstd);
        return new ReferenceNorms.Forward(Widen(y), Centered ? Widen(mean) : new double[rows], Widen(rstd));
    }

    public override ReferenceNorms.Backward Backward(double[] dy, double[] x, double[]? weight, ReferenceNorms.Forward saved)
    {
        T[] dx = new T[x.Length], dw = new T[HasWeight ? RowLength : 0], db = new T[HasBias ? RowLength : 0];
        _backward(Cast(dy), Cast(x), Cast(weight), Centered ? Cast(saved.Mean) : default, Cast(saved.Rstd), dx, dw, db);
        return new ReferenceNorms.Backward(Widen(dx), Widen(dw), Widen(db));
    }

    private static double[] Filled(int length, double value)
    {
        var values = new double[length];
        Array.Fill(values, value);
        return values;
    }

    private static T[] Cast(double[]? values) => values is null ? [] : Array.ConvertAll(values, T.CreateChecked);

    private static double[] Widen(T[] values) => Array.ConvertAll(values, double.CreateChecked);
}
