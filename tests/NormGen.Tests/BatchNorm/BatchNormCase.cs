using System;
using System.Numerics;
using NormGen.Tests.ActivationKernels;

namespace NormGen.Tests.BatchNorm;

internal delegate void TrainingForward<T, S>(
    ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> runningMean, Span<T> runningVar, ref long numBatchesTracked,
    Span<T> y, Span<S> saveMean, Span<S> saveRstd);

internal delegate void EvalForward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, ReadOnlySpan<T> runningMean, ReadOnlySpan<T> runningVar, Span<T> y);

internal delegate void Backward<T, S>(
    ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, ReadOnlySpan<S> mean, ReadOnlySpan<S> rstd,
    Span<T> dx, Span<T> dw, Span<T> db);

internal delegate void BackwardEval<T>(
    ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, ReadOnlySpan<T> runningMean, ReadOnlySpan<T> runningVar,
    Span<T> dx, Span<T> dw, Span<T> db);

internal delegate long ComputeStatistics<T, S>(ReadOnlySpan<T> x, Span<S> mean, Span<S> m2);

internal delegate void ForwardSynchronized<T, S>(
    ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, long count, ReadOnlySpan<S> mean, ReadOnlySpan<S> m2,
    Span<T> runningMean, Span<T> runningVar, ref long numBatchesTracked, Span<T> y, Span<S> saveMean, Span<S> saveRstd);

internal delegate void BackwardReduce<T, S>(
    ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, ReadOnlySpan<S> mean, ReadOnlySpan<S> rstd, Span<S> sum, Span<S> sumXhat);

internal delegate void BackwardSynchronized<T, S>(
    ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, ReadOnlySpan<S> mean, ReadOnlySpan<S> rstd, long count,
    ReadOnlySpan<S> sum, ReadOnlySpan<S> sumXhat, Span<T> dx);

/// <summary>
/// One generated BatchNorm kernel seen through a uniform float64 interface, so one specification runs against
/// every layout, element type and option. Kernels without affine parameters ignore the weight and bias given;
/// kernels without running statistics ignore the running buffers and normalize with batch statistics in evaluation.
/// </summary>
public abstract class BatchNormCase
{
    protected BatchNormCase(string name, int channels, int spatial, bool channelsLast, double epsilon, double? momentum, bool affine, bool track, ActivationKind? activation)
    {
        Activation = activation;
        Name = name;
        Channels = channels;
        Spatial = spatial;
        ChannelsLast = channelsLast;
        Epsilon = epsilon;
        Momentum = momentum;
        Affine = affine;
        Track = track;
    }

    public string Name { get; }

    public int Channels { get; }

    public int Spatial { get; }

    public bool ChannelsLast { get; }

    public double Epsilon { get; }

    /// <summary>The running statistics' momentum; null for a cumulative average.</summary>
    public double? Momentum { get; }

    public bool Affine { get; }

    public bool Track { get; }

    /// <summary>The activation fused after the affine step, if any.</summary>
    public ActivationKind? Activation { get; }

    public abstract bool IsDouble { get; }

    public abstract bool IsHalf { get; }

    public BatchShape Shape(int batch) => new(batch, Channels, Spatial, ChannelsLast);

    /// <summary>Rounds to the kernel's element type, so the reference sees exactly the kernel's input.</summary>
    public abstract double Round(double value);

    public double[] Round(double[] values) => Array.ConvertAll(values, Round);

    /// <summary>Runs the training forward; the running statistics are updated in place.</summary>
    public abstract ReferenceBatchNorm.Forward Train(double[] x, double[]? w, double[]? b, double[] runningMean, double[] runningVar, ref long numBatchesTracked);

    public abstract double[] Eval(double[] x, double[]? w, double[]? b, double[] runningMean, double[] runningVar);

    public abstract ReferenceBatchNorm.Gradients Backward(double[] dy, double[] x, double[]? w, double[]? b, double[] mean, double[] rstd);

    public abstract ReferenceBatchNorm.Gradients BackwardEval(double[] dy, double[] x, double[]? w, double[]? b, double[] runningMean, double[] runningVar);

    public abstract (long Count, double[] Mean, double[] M2) Statistics(double[] x);

    public abstract ReferenceBatchNorm.Forward TrainSynchronized(double[] x, double[]? w, double[]? b, long count, double[] mean, double[] m2, double[] runningMean, double[] runningVar, ref long numBatchesTracked);

    public abstract (double[] Sum, double[] SumXhat) Reduce(double[] dy, double[] x, double[]? w, double[]? b, double[] mean, double[] rstd);

    public abstract double[] BackwardSynchronized(double[] dy, double[] x, double[]? w, double[]? b, double[] mean, double[] rstd, long count, double[] sum, double[] sumXhat);

    public override string ToString() => Name;
}

internal sealed class BatchNormCase<T, S> : BatchNormCase
    where T : unmanaged, IFloatingPoint<T>
    where S : unmanaged, IFloatingPoint<S>
{
    private readonly TrainingForward<T, S> _train;
    private readonly EvalForward<T>? _eval;
    private readonly Backward<T, S> _backward;
    private readonly BackwardEval<T>? _backwardEval;
    private readonly ComputeStatistics<T, S> _statistics;
    private readonly ForwardSynchronized<T, S> _trainSynchronized;
    private readonly BackwardReduce<T, S> _reduce;
    private readonly BackwardSynchronized<T, S> _backwardSynchronized;

    public BatchNormCase(
        string name, int channels, int spatial, bool channelsLast, double epsilon, double? momentum, bool affine, bool track, ActivationKind? activation,
        TrainingForward<T, S> train, EvalForward<T>? eval, Backward<T, S> backward, BackwardEval<T>? backwardEval,
        ComputeStatistics<T, S> statistics, ForwardSynchronized<T, S> trainSynchronized, BackwardReduce<T, S> reduce, BackwardSynchronized<T, S> backwardSynchronized)
        : base(name, channels, spatial, channelsLast, epsilon, momentum, affine, track, activation)
    {
        _train = train;
        _eval = eval;
        _backward = backward;
        _backwardEval = backwardEval;
        _statistics = statistics;
        _trainSynchronized = trainSynchronized;
        _reduce = reduce;
        _backwardSynchronized = backwardSynchronized;
    }

    public override bool IsDouble => typeof(T) == typeof(double);

    public override bool IsHalf => typeof(T) == typeof(Half);

    public override double Round(double value) => double.CreateChecked(T.CreateChecked(value));

    public override ReferenceBatchNorm.Forward Train(double[] x, double[]? w, double[]? b, double[] runningMean, double[] runningVar, ref long numBatchesTracked)
    {
        T[] y = new T[x.Length], rm = Cast(runningMean), rv = Cast(runningVar);
        S[] mean = new S[Channels], rstd = new S[Channels];
        _train(Cast(x), Weight(w), Bias(b), rm, rv, ref numBatchesTracked, y, mean, rstd);
        Widen(rm).CopyTo(runningMean, 0);
        Widen(rv).CopyTo(runningVar, 0);
        return new ReferenceBatchNorm.Forward(Widen(y), Widen(mean), Widen(rstd), new double[Channels]);
    }

    public override double[] Eval(double[] x, double[]? w, double[]? b, double[] runningMean, double[] runningVar)
    {
        T[] y = new T[x.Length];
        if (_eval is null)
        {
            long ignored = 0;
            _train(Cast(x), Weight(w), Bias(b), default, default, ref ignored, y, default, default);
        }
        else
        {
            _eval(Cast(x), Weight(w), Bias(b), Cast(runningMean), Cast(runningVar), y);
        }

        return Widen(y);
    }

    public override ReferenceBatchNorm.Gradients Backward(double[] dy, double[] x, double[]? w, double[]? b, double[] mean, double[] rstd)
    {
        T[] dx = new T[x.Length], dw = new T[Channels], db = new T[Channels];
        _backward(Cast(dy), Cast(x), Weight(w), Bias(b), CastS(mean), CastS(rstd), dx, dw, db);
        return new ReferenceBatchNorm.Gradients(Widen(dx), Widen(dw), Widen(db));
    }

    public override ReferenceBatchNorm.Gradients BackwardEval(double[] dy, double[] x, double[]? w, double[]? b, double[] runningMean, double[] runningVar)
    {
        T[] dx = new T[x.Length], dw = new T[Channels], db = new T[Channels];
        _backwardEval!(Cast(dy), Cast(x), Weight(w), Bias(b), Cast(runningMean), Cast(runningVar), dx, dw, db);
        return new ReferenceBatchNorm.Gradients(Widen(dx), Widen(dw), Widen(db));
    }

    public override (long Count, double[] Mean, double[] M2) Statistics(double[] x)
    {
        S[] mean = new S[Channels], m2 = new S[Channels];
        long count = _statistics(Cast(x), mean, m2);
        return (count, Widen(mean), Widen(m2));
    }

    public override ReferenceBatchNorm.Forward TrainSynchronized(double[] x, double[]? w, double[]? b, long count, double[] mean, double[] m2, double[] runningMean, double[] runningVar, ref long numBatchesTracked)
    {
        T[] y = new T[x.Length], rm = Cast(runningMean), rv = Cast(runningVar);
        S[] saveMean = new S[Channels], saveRstd = new S[Channels];
        _trainSynchronized(Cast(x), Weight(w), Bias(b), count, CastS(mean), CastS(m2), rm, rv, ref numBatchesTracked, y, saveMean, saveRstd);
        Widen(rm).CopyTo(runningMean, 0);
        Widen(rv).CopyTo(runningVar, 0);
        return new ReferenceBatchNorm.Forward(Widen(y), Widen(saveMean), Widen(saveRstd), new double[Channels]);
    }

    public override (double[] Sum, double[] SumXhat) Reduce(double[] dy, double[] x, double[]? w, double[]? b, double[] mean, double[] rstd)
    {
        S[] sum = new S[Channels], sumXhat = new S[Channels];
        _reduce(Cast(dy), Cast(x), Weight(w), Bias(b), CastS(mean), CastS(rstd), sum, sumXhat);
        return (Widen(sum), Widen(sumXhat));
    }

    public override double[] BackwardSynchronized(double[] dy, double[] x, double[]? w, double[]? b, double[] mean, double[] rstd, long count, double[] sum, double[] sumXhat)
    {
        T[] dx = new T[x.Length];
        _backwardSynchronized(Cast(dy), Cast(x), Weight(w), Bias(b), CastS(mean), CastS(rstd), count, CastS(sum), CastS(sumXhat), dx);
        return Widen(dx);
    }

    // A kernel with parameters needs them; one without ignores them.
    private T[] Weight(double[]? w) => Affine ? Cast(w ?? Filled(1)) : [];

    private T[] Bias(double[]? b) => Affine ? Cast(b ?? Filled(0)) : [];

    private double[] Filled(double value)
    {
        var values = new double[Channels];
        Array.Fill(values, value);
        return values;
    }

    private static T[] Cast(double[] values) => Array.ConvertAll(values, T.CreateChecked);

    private static S[] CastS(double[] values) => Array.ConvertAll(values, S.CreateChecked);

    private static double[] Widen(T[] values) => Array.ConvertAll(values, double.CreateChecked);

    private static double[] Widen(S[] values) => Array.ConvertAll(values, double.CreateChecked);
}
