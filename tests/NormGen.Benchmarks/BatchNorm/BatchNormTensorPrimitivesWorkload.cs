using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using System.Threading.Tasks;

namespace NormGen.Benchmarks.Workloads;

/// <summary>
/// A BatchNorm as a .NET developer writes it with <see cref="TensorPrimitives"/>, which works on contiguous spans.
/// NCHW: every (n, c) is a contiguous run, so statistics are sums over runs (two passes: mean, then squared deviations),
/// with the channels split across the cores. NHWC: every position is a contiguous run of C, so statistics accumulate
/// position by position into per-worker rows of C (vectorized across channels), with the positions split across the
/// cores and the partial rows added at the end. The backward pass follows the same arrangement.
/// </summary>
internal sealed class BatchNormTensorPrimitivesWorkload : Workload
{
    private const long MinElementsPerWorker = 1 << 15;

    private readonly CaseData _data;
    private readonly Pass _pass;
    private readonly BatchNormLayout _layout;
    private readonly int _workers;
    private readonly float[] _runningMean;
    private readonly float[] _runningVar;
    private readonly float[] _output;
    private readonly float[] _gradInput;
    private readonly float[] _gradWeight;
    private readonly float[] _gradBias;
    private readonly float[] _mean;
    private readonly float[] _rstd;
    private readonly float[] _scale;
    private readonly float[] _shift;
    private readonly float[] _k;
    private readonly float[] _c1;
    private readonly float[][] _partialA;
    private readonly float[][] _partialB;
    private readonly float[][] _scratch;

    public BatchNormTensorPrimitivesWorkload(CaseData data, Pass pass, BatchNormLayout layout)
    {
        _data = data;
        _pass = pass;
        _layout = layout;
        int units = layout.ChannelsLast ? layout.Batch * layout.Spatial : layout.Channels;
        _workers = (int)Math.Clamp(data.Input.Length / MinElementsPerWorker, 1, Math.Min(units, Environment.ProcessorCount));
        _runningMean = layout.RunningMean();
        _runningVar = layout.RunningVar();
        _output = CaseData.Output(data.Input.Length);
        bool backward = pass == Pass.ForwardBackward;
        _gradInput = backward ? CaseData.Output(data.Input.Length) : [];
        _gradWeight = new float[layout.Channels];
        _gradBias = new float[layout.Channels];
        _mean = new float[layout.Channels];
        _rstd = new float[layout.Channels];
        _scale = new float[layout.Channels];
        _shift = new float[layout.Channels];
        _k = new float[layout.Channels];
        _c1 = new float[layout.Channels];
        _partialA = new float[_workers][];
        _partialB = new float[_workers][];
        _scratch = new float[_workers][];
        for (int worker = 0; worker < _workers; worker++)
        {
            _partialA[worker] = new float[layout.Channels];
            _partialB[worker] = new float[layout.Channels];
            _scratch[worker] = new float[Math.Max(layout.Spatial, layout.Channels)];
        }
    }

    public override void Run()
    {
        int channels = _layout.Channels;
        double count = (double)_layout.Batch * _layout.Spatial;
        float epsilon = _data.Case.Epsilon;

        // Statistics: the batch's in training, the running ones in evaluation.
        if (_layout.Training)
        {
            Reduce(StatisticsMean, _mean, null);
            TensorPrimitives.Divide(_mean, (float)count, _mean);
            Reduce(StatisticsVariance, _rstd, null);
            for (int c = 0; c < channels; c++)
            {
                _rstd[c] = 1 / MathF.Sqrt(_rstd[c] / (float)count + epsilon);
            }
        }
        else
        {
            _runningMean.CopyTo(_mean, 0);
            for (int c = 0; c < channels; c++)
            {
                _rstd[c] = 1 / MathF.Sqrt(_runningVar[c] + epsilon);
            }
        }

        // y = x·scale + shift with scale = γ·rstd and shift = β - mean·scale.
        TensorPrimitives.Multiply(_data.Weight, _rstd, _scale);
        TensorPrimitives.Multiply(_mean, _scale, _shift);
        TensorPrimitives.Subtract(_data.Bias, _shift, _shift);
        Parallel(Normalize);

        if (_pass == Pass.Forward)
        {
            return;
        }

        // dβ = Σdy, dγ = Σdy·(x - mean)·rstd; in training dx also goes through the batch statistics.
        Reduce(GradientSums, _gradBias, _gradWeight);
        TensorPrimitives.Multiply(_gradWeight, _rstd, _gradWeight);
        if (_layout.Training)
        {
            TensorPrimitives.Divide(_gradBias, (float)count, _c1);
            TensorPrimitives.Multiply(_gradWeight, _rstd, _k);
            TensorPrimitives.Divide(_k, (float)count, _k);
        }

        Parallel(InputGradient);
    }

    public override IReadOnlyDictionary<string, float[]> Capture()
    {
        Run();
        return _pass == Pass.Forward
            ? new Dictionary<string, float[]> { ["y"] = (float[])_output.Clone() }
            : new Dictionary<string, float[]>
            {
                ["dx"] = (float[])_gradInput.Clone(),
                ["dweight"] = (float[])_gradWeight.Clone(),
                ["dbias"] = (float[])_gradBias.Clone(),
            };
    }

    private int Units => _layout.ChannelsLast ? _layout.Batch * _layout.Spatial : _layout.Channels;

    private void Parallel(Action<int, int, int> body)
    {
        if (_workers == 1)
        {
            body(0, 0, Units);
            return;
        }

        System.Threading.Tasks.Parallel.For(0, _workers, worker =>
            body(worker, (int)((long)Units * worker / _workers), (int)((long)Units * (worker + 1) / _workers)));
    }

    /// <summary>
    /// Runs a reduction. Channels-first workers own whole channels and write the rows of worker 0 in place; channels-last
    /// workers accumulate rows of their own, added afterwards.
    /// </summary>
    private void Reduce(Action<int, int, int> body, float[] first, float[]? second)
    {
        Parallel(body);
        _partialA[0].CopyTo(first, 0);
        if (second is not null)
        {
            _partialB[0].CopyTo(second, 0);
        }

        for (int worker = 1; _layout.ChannelsLast && worker < _workers; worker++)
        {
            TensorPrimitives.Add(first, _partialA[worker], first);
            if (second is not null)
            {
                TensorPrimitives.Add(second, _partialB[worker], second);
            }
        }
    }

    private ReadOnlySpan<float> Run(float[] tensor, int n, int c) => tensor.AsSpan((n * _layout.Channels + c) * _layout.Spatial, _layout.Spatial);

    private Span<float> RunOf(float[] tensor, int n, int c) => tensor.AsSpan((n * _layout.Channels + c) * _layout.Spatial, _layout.Spatial);

    private ReadOnlySpan<float> Position(float[] tensor, int p) => tensor.AsSpan(p * _layout.Channels, _layout.Channels);

    private Span<float> PositionOf(float[] tensor, int p) => tensor.AsSpan(p * _layout.Channels, _layout.Channels);

    private void StatisticsMean(int worker, int first, int next)
    {
        float[] sums = _partialA[worker];
        if (_layout.ChannelsLast)
        {
            Array.Clear(sums);
            for (int p = first; p < next; p++)
            {
                TensorPrimitives.Add(sums, Position(_data.Input, p), sums);
            }

            return;
        }

        // Channels-first: the worker's channels, written straight into the shared row (partialA of worker 0 is that row).
        float[] target = _partialA[0];
        for (int c = first; c < next; c++)
        {
            float sum = 0;
            for (int n = 0; n < _layout.Batch; n++)
            {
                sum += TensorPrimitives.Sum(Run(_data.Input, n, c));
            }

            target[c] = sum;
        }
    }

    private void StatisticsVariance(int worker, int first, int next)
    {
        float[] scratch = _scratch[worker];
        if (_layout.ChannelsLast)
        {
            float[] squares = _partialA[worker];
            Array.Clear(squares);
            Span<float> deviation = scratch.AsSpan(0, _layout.Channels);
            for (int p = first; p < next; p++)
            {
                TensorPrimitives.Subtract(Position(_data.Input, p), _mean, deviation);
                TensorPrimitives.FusedMultiplyAdd(deviation, deviation, squares, squares);
            }

            return;
        }

        float[] target = _partialA[0];
        Span<float> deviations = scratch.AsSpan(0, _layout.Spatial);
        for (int c = first; c < next; c++)
        {
            float sum = 0;
            for (int n = 0; n < _layout.Batch; n++)
            {
                TensorPrimitives.Subtract(Run(_data.Input, n, c), _mean[c], deviations);
                sum += TensorPrimitives.SumOfSquares(deviations);
            }

            target[c] = sum;
        }
    }

    private void Normalize(int worker, int first, int next)
    {
        if (_layout.ChannelsLast)
        {
            for (int p = first; p < next; p++)
            {
                TensorPrimitives.FusedMultiplyAdd(Position(_data.Input, p), _scale, _shift, PositionOf(_output, p));
            }

            return;
        }

        for (int c = first; c < next; c++)
        {
            for (int n = 0; n < _layout.Batch; n++)
            {
                // TensorPrimitives has no x·scalar + scalar: multiply, then add over the run while it is in L1.
                TensorPrimitives.Multiply(Run(_data.Input, n, c), _scale[c], RunOf(_output, n, c));
                TensorPrimitives.Add(RunOf(_output, n, c), _shift[c], RunOf(_output, n, c));
            }
        }
    }

    private void GradientSums(int worker, int first, int next)
    {
        float[] scratch = _scratch[worker];
        if (_layout.ChannelsLast)
        {
            float[] sums = _partialA[worker], products = _partialB[worker];
            Array.Clear(sums);
            Array.Clear(products);
            Span<float> deviation = scratch.AsSpan(0, _layout.Channels);
            for (int p = first; p < next; p++)
            {
                ReadOnlySpan<float> dy = Position(_data.GradOutput, p);
                TensorPrimitives.Add(sums, dy, sums);
                TensorPrimitives.Subtract(Position(_data.Input, p), _mean, deviation);
                TensorPrimitives.FusedMultiplyAdd(dy, deviation, products, products);
            }

            return;
        }

        float[] sumTarget = _partialA[0], productTarget = _partialB[0];
        Span<float> deviations = scratch.AsSpan(0, _layout.Spatial);
        for (int c = first; c < next; c++)
        {
            float sum = 0, product = 0;
            for (int n = 0; n < _layout.Batch; n++)
            {
                ReadOnlySpan<float> dy = Run(_data.GradOutput, n, c);
                sum += TensorPrimitives.Sum(dy);
                TensorPrimitives.Subtract(Run(_data.Input, n, c), _mean[c], deviations);
                product += TensorPrimitives.Dot(dy, deviations);
            }

            sumTarget[c] = sum;
            productTarget[c] = product;
        }
    }

    /// <summary>dx = (dy - c1 - (x - mean)·k)·scale in training, dy·scale in evaluation.</summary>
    private void InputGradient(int worker, int first, int next)
    {
        float[] scratch = _scratch[worker];
        if (_layout.ChannelsLast)
        {
            Span<float> t = scratch.AsSpan(0, _layout.Channels);
            for (int p = first; p < next; p++)
            {
                if (!_layout.Training)
                {
                    TensorPrimitives.Multiply(Position(_data.GradOutput, p), _scale, PositionOf(_gradInput, p));
                    continue;
                }

                TensorPrimitives.Subtract(Position(_data.Input, p), _mean, t);
                TensorPrimitives.Multiply(t, _k, t);
                TensorPrimitives.Subtract(Position(_data.GradOutput, p), t, t);
                TensorPrimitives.Subtract(t, _c1, t);
                TensorPrimitives.Multiply(t, _scale, PositionOf(_gradInput, p));
            }

            return;
        }

        Span<float> run = scratch.AsSpan(0, _layout.Spatial);
        for (int c = first; c < next; c++)
        {
            for (int n = 0; n < _layout.Batch; n++)
            {
                if (!_layout.Training)
                {
                    TensorPrimitives.Multiply(Run(_data.GradOutput, n, c), _scale[c], RunOf(_gradInput, n, c));
                    continue;
                }

                // (x - mean)·(-k) + dy, then (t - c1)·scale.
                TensorPrimitives.Subtract(Run(_data.Input, n, c), _mean[c], run);
                TensorPrimitives.FusedMultiplyAdd(run, -_k[c], Run(_data.GradOutput, n, c), run);
                TensorPrimitives.Subtract(run, _c1[c], run);
                TensorPrimitives.Multiply(run, _scale[c], RunOf(_gradInput, n, c));
            }
        }
    }
}
