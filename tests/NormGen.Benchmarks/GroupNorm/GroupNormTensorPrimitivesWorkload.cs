using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using System.Threading.Tasks;

namespace NormGen.Benchmarks.Workloads;

/// <summary>
/// A GroupNorm/InstanceNorm as a .NET developer writes it with <see cref="TensorPrimitives"/>, which works on contiguous
/// spans. NCHW: every (n, group) is a contiguous run, so its statistics are sums over it (two passes: mean, then squared
/// deviations) and every channel of it is normalized as one run; the (n, group)s are split across the cores. NHWC: every
/// position is a contiguous run of C, so a sample's statistics accumulate position by position into rows of C (vectorized
/// across channels) and are merged by group; the samples are split across the cores. The backward pass follows the same
/// arrangement; the parameter gradients are written per sample and summed at the end.
/// </summary>
internal sealed class GroupNormTensorPrimitivesWorkload : Workload
{
    private const long MinElementsPerWorker = 1 << 15;

    private readonly CaseData _data;
    private readonly Pass _pass;
    private readonly GroupNormLayout _layout;
    private readonly int _units;
    private readonly int _workers;
    private readonly float[] _output;
    private readonly float[] _gradInput;
    private readonly float[] _gradWeight;
    private readonly float[] _gradBias;
    private readonly float[] _mean;
    private readonly float[] _rstd;
    private readonly float[] _sampleWeightGrad;
    private readonly float[] _sampleBiasGrad;
    private readonly float[][] _scratch;

    public GroupNormTensorPrimitivesWorkload(CaseData data, Pass pass, GroupNormLayout layout)
    {
        _data = data;
        _pass = pass;
        _layout = layout;
        _units = layout.ChannelsLast ? layout.Batch : layout.Batch * layout.Groups;
        _workers = (int)Math.Clamp(data.Input.Length / MinElementsPerWorker, 1, Math.Min(_units, Environment.ProcessorCount));
        _output = CaseData.Output(data.Input.Length);
        bool backward = pass == Pass.ForwardBackward;
        _gradInput = backward ? CaseData.Output(data.Input.Length) : [];
        _gradWeight = new float[layout.Channels];
        _gradBias = new float[layout.Channels];
        _mean = new float[layout.Batch * layout.Groups];
        _rstd = new float[layout.Batch * layout.Groups];
        _sampleWeightGrad = new float[layout.Batch * layout.Channels];
        _sampleBiasGrad = new float[layout.Batch * layout.Channels];
        _scratch = new float[_workers][];
        for (int worker = 0; worker < _workers; worker++)
        {
            _scratch[worker] = new float[layout.ChannelsLast ? 8 * layout.Channels : layout.ChannelsPerGroup * layout.Spatial];
        }
    }

    public override void Run()
    {
        ForEachWorker(_layout.ChannelsLast ? ForwardSamples : ForwardGroups);
        if (_pass == Pass.Forward)
        {
            return;
        }

        ForEachWorker(_layout.ChannelsLast ? BackwardSamples : BackwardGroups);
        if (_layout.Affine)
        {
            Array.Clear(_gradWeight);
            Array.Clear(_gradBias);
            for (int n = 0; n < _layout.Batch; n++)
            {
                TensorPrimitives.Add(_gradWeight, _sampleWeightGrad.AsSpan(n * _layout.Channels, _layout.Channels), _gradWeight);
                TensorPrimitives.Add(_gradBias, _sampleBiasGrad.AsSpan(n * _layout.Channels, _layout.Channels), _gradBias);
            }
        }
    }

    public override IReadOnlyDictionary<string, float[]> Capture()
    {
        Run();
        if (_pass == Pass.Forward)
        {
            return new Dictionary<string, float[]> { ["y"] = (float[])_output.Clone() };
        }

        var result = new Dictionary<string, float[]> { ["dx"] = (float[])_gradInput.Clone() };
        if (_layout.Affine)
        {
            result["dweight"] = (float[])_gradWeight.Clone();
            result["dbias"] = (float[])_gradBias.Clone();
        }

        return result;
    }

    private void ForEachWorker(Action<int, int, int> body)
    {
        if (_workers == 1)
        {
            body(0, 0, _units);
            return;
        }

        Parallel.For(0, _workers, worker => body(worker, _units * worker / _workers, _units * (worker + 1) / _workers));
    }

    private int GroupLength => _layout.ChannelsPerGroup * _layout.Spatial;

    private float Weight(int c) => _layout.Affine ? _data.Weight[c] : 1f;

    private float Bias(int c) => _layout.Affine ? _data.Bias[c] : 0f;

    // ------------------------------------------------------------------ NCHW: one (n, group) is a contiguous run

    private void ForwardGroups(int worker, int first, int next)
    {
        Span<float> deviation = _scratch[worker];
        for (int unit = first; unit < next; unit++)
        {
            ReadOnlySpan<float> x = _data.Input.AsSpan(unit * GroupLength, GroupLength);
            float mean = TensorPrimitives.Sum(x) / GroupLength;
            TensorPrimitives.Subtract(x, mean, deviation);
            float rstd = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(deviation) / GroupLength + _data.Case.Epsilon);
            _mean[unit] = mean;
            _rstd[unit] = rstd;
            for (int j = 0; j < _layout.ChannelsPerGroup; j++)
            {
                int c = unit % _layout.Groups * _layout.ChannelsPerGroup + j;
                Span<float> y = _output.AsSpan(unit * GroupLength + j * _layout.Spatial, _layout.Spatial);
                TensorPrimitives.Multiply(deviation.Slice(j * _layout.Spatial, _layout.Spatial), rstd * Weight(c), y);
                TensorPrimitives.Add(y, Bias(c), y);
            }
        }
    }

    private void BackwardGroups(int worker, int first, int next)
    {
        Span<float> deviation = _scratch[worker];
        int spatial = _layout.Spatial;
        for (int unit = first; unit < next; unit++)
        {
            int n = unit / _layout.Groups, firstChannel = unit % _layout.Groups * _layout.ChannelsPerGroup;
            float mean = _mean[unit], rstd = _rstd[unit];
            TensorPrimitives.Subtract(_data.Input.AsSpan(unit * GroupLength, GroupLength), mean, deviation);
            float sumG = 0, sumGX = 0;
            for (int j = 0; j < _layout.ChannelsPerGroup; j++)
            {
                int c = firstChannel + j;
                ReadOnlySpan<float> dy = _data.GradOutput.AsSpan(unit * GroupLength + j * spatial, spatial);
                float a = TensorPrimitives.Dot(dy, deviation.Slice(j * spatial, spatial)), b = TensorPrimitives.Sum(dy);
                sumG += Weight(c) * b;
                sumGX += Weight(c) * a;
                _sampleWeightGrad[n * _layout.Channels + c] = rstd * a;
                _sampleBiasGrad[n * _layout.Channels + c] = b;
            }

            float q = -(rstd * rstd) * (rstd * sumGX) / GroupLength, k = -rstd * sumG / GroupLength;
            for (int j = 0; j < _layout.ChannelsPerGroup; j++)
            {
                int c = firstChannel + j;
                Span<float> dx = _gradInput.AsSpan(unit * GroupLength + j * spatial, spatial);
                Span<float> d = deviation.Slice(j * spatial, spatial);
                TensorPrimitives.Multiply(d, q, d);
                TensorPrimitives.Add(d, k, d);
                TensorPrimitives.FusedMultiplyAdd(_data.GradOutput.AsSpan(unit * GroupLength + j * spatial, spatial), rstd * Weight(c), d, dx);
            }
        }
    }

    // ------------------------------------------------------------------ NHWC: one position is a contiguous run of C

    private void ForwardSamples(int worker, int first, int next)
    {
        int channels = _layout.Channels;
        Span<float> scratch = _scratch[worker];
        Span<float> sums = scratch.Slice(0, channels), meanRow = scratch.Slice(channels, channels);
        Span<float> squares = scratch.Slice(2 * channels, channels), deviation = scratch.Slice(3 * channels, channels);
        Span<float> scaleRow = scratch.Slice(4 * channels, channels), shiftRow = scratch.Slice(5 * channels, channels);
        for (int n = first; n < next; n++)
        {
            sums.Clear();
            for (int s = 0; s < _layout.Spatial; s++)
            {
                TensorPrimitives.Add(sums, Position(_data.Input, n, s), sums);
            }

            SpreadGroupMeans(sums, meanRow, n);
            squares.Clear();
            for (int s = 0; s < _layout.Spatial; s++)
            {
                TensorPrimitives.Subtract(Position(_data.Input, n, s), meanRow, deviation);
                TensorPrimitives.FusedMultiplyAdd(deviation, deviation, squares, squares);
            }

            for (int g = 0; g < _layout.Groups; g++)
            {
                float sum = TensorPrimitives.Sum(squares.Slice(g * _layout.ChannelsPerGroup, _layout.ChannelsPerGroup));
                _rstd[n * _layout.Groups + g] = 1f / MathF.Sqrt(sum / GroupLength + _data.Case.Epsilon);
            }

            for (int c = 0; c < channels; c++)
            {
                scaleRow[c] = _rstd[n * _layout.Groups + c / _layout.ChannelsPerGroup] * Weight(c);
                shiftRow[c] = Bias(c) - meanRow[c] * scaleRow[c];
            }

            for (int s = 0; s < _layout.Spatial; s++)
            {
                TensorPrimitives.FusedMultiplyAdd(Position(_data.Input, n, s), scaleRow, shiftRow, _output.AsSpan((n * _layout.Spatial + s) * channels, channels));
            }
        }
    }

    private void BackwardSamples(int worker, int first, int next)
    {
        int channels = _layout.Channels;
        Span<float> scratch = _scratch[worker];
        Span<float> products = scratch.Slice(0, channels), sums = scratch.Slice(channels, channels);
        Span<float> meanRow = scratch.Slice(2 * channels, channels), deviation = scratch.Slice(3 * channels, channels);
        Span<float> pRow = scratch.Slice(4 * channels, channels), qRow = scratch.Slice(5 * channels, channels), kRow = scratch.Slice(6 * channels, channels);
        for (int n = first; n < next; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                meanRow[c] = _mean[n * _layout.Groups + c / _layout.ChannelsPerGroup];
            }

            products.Clear();
            sums.Clear();
            for (int s = 0; s < _layout.Spatial; s++)
            {
                ReadOnlySpan<float> dy = Position(_data.GradOutput, n, s);
                TensorPrimitives.Add(sums, dy, sums);
                TensorPrimitives.Subtract(Position(_data.Input, n, s), meanRow, deviation);
                TensorPrimitives.FusedMultiplyAdd(dy, deviation, products, products);
            }

            for (int g = 0; g < _layout.Groups; g++)
            {
                float rstd = _rstd[n * _layout.Groups + g], sumG = 0, sumGX = 0;
                for (int c = g * _layout.ChannelsPerGroup; c < (g + 1) * _layout.ChannelsPerGroup; c++)
                {
                    sumG += Weight(c) * sums[c];
                    sumGX += Weight(c) * products[c];
                    _sampleWeightGrad[n * channels + c] = rstd * products[c];
                    _sampleBiasGrad[n * channels + c] = sums[c];
                    pRow[c] = rstd * Weight(c);
                }

                float q = -(rstd * rstd) * (rstd * sumGX) / GroupLength, k = -rstd * sumG / GroupLength;
                qRow.Slice(g * _layout.ChannelsPerGroup, _layout.ChannelsPerGroup).Fill(q);
                kRow.Slice(g * _layout.ChannelsPerGroup, _layout.ChannelsPerGroup).Fill(k);
            }

            for (int s = 0; s < _layout.Spatial; s++)
            {
                TensorPrimitives.Subtract(Position(_data.Input, n, s), meanRow, deviation);
                TensorPrimitives.FusedMultiplyAdd(deviation, qRow, kRow, deviation);
                TensorPrimitives.FusedMultiplyAdd(Position(_data.GradOutput, n, s), pRow, deviation, _gradInput.AsSpan((n * _layout.Spatial + s) * channels, channels));
            }
        }
    }

    /// <summary>Turns per-channel sums into each channel's group mean, and saves the group means.</summary>
    private void SpreadGroupMeans(ReadOnlySpan<float> sums, Span<float> meanRow, int n)
    {
        for (int g = 0; g < _layout.Groups; g++)
        {
            float mean = TensorPrimitives.Sum(sums.Slice(g * _layout.ChannelsPerGroup, _layout.ChannelsPerGroup)) / GroupLength;
            _mean[n * _layout.Groups + g] = mean;
            meanRow.Slice(g * _layout.ChannelsPerGroup, _layout.ChannelsPerGroup).Fill(mean);
        }
    }

    private ReadOnlySpan<float> Position(float[] data, int n, int s) => data.AsSpan((n * _layout.Spatial + s) * _layout.Channels, _layout.Channels);
}
