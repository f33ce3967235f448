using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;

namespace NormGen.Tests.GroupNorm;

internal delegate void GroupForward<T, TStat>(T[] x, T[] weight, T[] bias, T[] y, TStat[] mean, TStat[] rstd);

internal delegate void GroupBackward<T, TStat>(T[] dy, T[] x, T[] weight, T[] bias, TStat[] mean, TStat[] rstd, T[] dx, T[] gradWeight, T[] gradBias);

internal delegate void GroupTraining<T, TStat>(T[] x, T[] weight, T[] bias, T[] y, T[] runningMean, T[] runningVar, TStat[] mean, TStat[] rstd);

internal delegate void GroupEval<T>(T[] x, T[] weight, T[] bias, T[] runningMean, T[] runningVar, T[] y);

public enum Precision
{
    Float,
    Double,
    Half,
}

/// <summary>
/// One generated GroupNorm/InstanceNorm kernel seen through a float64 interface, so that one specification
/// runs against every geometry, element type, affine flag and activation.
/// </summary>
public abstract class GroupNormCase
{
    protected GroupNormCase(string name, GroupNormShape shape, double epsilon, bool affine, Precision precision, Activation activation, double momentum)
    {
        Name = name;
        Shape = shape;
        Epsilon = epsilon;
        Affine = affine;
        Precision = precision;
        Activation = activation;
        Momentum = momentum;
    }

    public string Name { get; }

    public GroupNormShape Shape { get; }

    public double Epsilon { get; }

    public bool Affine { get; }

    public Precision Precision { get; }

    public Activation Activation { get; }

    public double Momentum { get; }

    public abstract bool TracksRunningStats { get; }

    /// <summary>Rounds a value to the kernel's element type, so the reference sees exactly the kernel's input.</summary>
    public abstract double Round(double value);

    public double[] Round(double[] values) => Array.ConvertAll(values, Round);

    /// <summary>Runs the forward pass; parameters default to γ = 1, β = 0 when the kernel has them.</summary>
    public abstract GroupNormReference.Forward Forward(double[] x, double[]? weight, double[]? bias);

    public abstract GroupNormReference.Backward Backward(double[] dy, double[] x, double[]? weight, double[]? bias, GroupNormReference.Forward saved);

    /// <summary>The forward pass with the output in the input's memory.</summary>
    public abstract double[] ForwardInPlace(double[] x, double[]? weight, double[]? bias);

    /// <summary>The backward pass with the input gradient in the output gradient's memory.</summary>
    public abstract double[] BackwardInPlace(double[] dy, double[] x, double[]? weight, double[]? bias, GroupNormReference.Forward saved);

    /// <summary>Training forward of a kernel with running statistics: the output, and the updated running statistics.</summary>
    public abstract (double[] Output, double[] RunningMean, double[] RunningVar) ForwardTraining(double[] x, double[]? weight, double[]? bias, double[] runningMean, double[] runningVar);

    public abstract double[] ForwardEval(double[] x, double[]? weight, double[]? bias, double[] runningMean, double[] runningVar);

    public override string ToString() => Name;
}

internal sealed class GroupNormCase<T, TStat> : GroupNormCase
    where T : unmanaged, IFloatingPointIeee754<T>
    where TStat : unmanaged, IFloatingPointIeee754<TStat>
{
    private readonly GroupForward<T, TStat> _forward;
    private readonly GroupBackward<T, TStat> _backward;
    private readonly GroupTraining<T, TStat>? _training;
    private readonly GroupEval<T>? _eval;

    public GroupNormCase(
        string name, GroupNormShape shape, double epsilon, bool affine, Activation activation,
        GroupForward<T, TStat> forward, GroupBackward<T, TStat> backward,
        GroupTraining<T, TStat>? training = null, GroupEval<T>? eval = null, double momentum = 0.1)
        : base(name, shape, epsilon, affine, PrecisionOf(), activation, momentum)
    {
        _forward = forward;
        _backward = backward;
        _training = training;
        _eval = eval;
    }

    public override bool TracksRunningStats => _training is not null;

    public override double Round(double value) => double.CreateChecked(T.CreateChecked(value));

    public override GroupNormReference.Forward Forward(double[] x, double[]? weight, double[]? bias)
    {
        int statistics = Shape.BatchOf(x.Length) * Shape.Groups;
        T[] y = new T[x.Length];
        TStat[] mean = new TStat[statistics], rstd = new TStat[statistics];
        _forward(Cast<T>(x), Parameter(weight, 1), Parameter(bias, 0), y, mean, rstd);
        return new GroupNormReference.Forward(Widen(y), Widen(mean), Widen(rstd), []);
    }

    public override GroupNormReference.Backward Backward(double[] dy, double[] x, double[]? weight, double[]? bias, GroupNormReference.Forward saved)
    {
        T[] dx = new T[x.Length];
        T[] dw = Affine ? new T[Shape.Channels] : [], db = Affine ? new T[Shape.Channels] : [];
        _backward(Cast<T>(dy), Cast<T>(x), Parameter(weight, 1), Parameter(bias, 0), Cast<TStat>(saved.Mean), Cast<TStat>(saved.Rstd), dx, dw, db);
        return new GroupNormReference.Backward(Widen(dx), Affine ? Widen(dw) : null, Affine ? Widen(db) : null);
    }

    public override double[] ForwardInPlace(double[] x, double[]? weight, double[]? bias)
    {
        int statistics = Shape.BatchOf(x.Length) * Shape.Groups;
        T[] data = Cast<T>(x);
        _forward(data, Parameter(weight, 1), Parameter(bias, 0), data, new TStat[statistics], new TStat[statistics]);
        return Widen(data);
    }

    public override double[] BackwardInPlace(double[] dy, double[] x, double[]? weight, double[]? bias, GroupNormReference.Forward saved)
    {
        T[] gradient = Cast<T>(dy);
        T[] dw = Affine ? new T[Shape.Channels] : [], db = Affine ? new T[Shape.Channels] : [];
        _backward(gradient, Cast<T>(x), Parameter(weight, 1), Parameter(bias, 0), Cast<TStat>(saved.Mean), Cast<TStat>(saved.Rstd), gradient, dw, db);
        return Widen(gradient);
    }

    public override (double[] Output, double[] RunningMean, double[] RunningVar) ForwardTraining(
        double[] x, double[]? weight, double[]? bias, double[] runningMean, double[] runningVar)
    {
        T[] y = new T[x.Length], mean = Cast<T>(runningMean), variance = Cast<T>(runningVar);
        _training!(Cast<T>(x), Parameter(weight, 1), Parameter(bias, 0), y, mean, variance, [], []);
        return (Widen(y), Widen(mean), Widen(variance));
    }

    public override double[] ForwardEval(double[] x, double[]? weight, double[]? bias, double[] runningMean, double[] runningVar)
    {
        T[] y = new T[x.Length];
        _eval!(Cast<T>(x), Parameter(weight, 1), Parameter(bias, 0), Cast<T>(runningMean), Cast<T>(runningVar), y);
        return Widen(y);
    }

    private T[] Parameter(double[]? values, double fill) =>
        !Affine ? [] : values is null ? Enumerable.Repeat(T.CreateChecked(fill), Shape.Channels).ToArray() : Cast<T>(values);

    private static Precision PrecisionOf() =>
        typeof(T) == typeof(double) ? Precision.Double : typeof(T) == typeof(Half) ? Precision.Half : Precision.Float;

    private static TOut[] Cast<TOut>(double[] values)
        where TOut : unmanaged, IFloatingPointIeee754<TOut>
        => Array.ConvertAll(values, TOut.CreateChecked);

    private static double[] Widen<TIn>(TIn[] values)
        where TIn : unmanaged, IFloatingPointIeee754<TIn>
        => Array.ConvertAll(values, double.CreateChecked);
}
