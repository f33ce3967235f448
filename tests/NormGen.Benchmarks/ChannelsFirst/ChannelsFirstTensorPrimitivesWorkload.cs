using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using System.Threading.Tasks;

namespace NormGen.Benchmarks.Workloads;

/// <summary>
/// A channels-first LayerNorm as a .NET developer writes it with <see cref="TensorPrimitives"/>, which has no
/// strided operations: transpose each image from C,H,W to H,W,C, normalize the rows of C with
/// <see cref="TensorPrimitivesNorms"/>, transpose the result back. Images are split across the cores with
/// <see cref="Parallel.For(int, int, Action{int})"/> once the input is large enough, with per-worker scratch and
/// parameter-gradient partials summed at the end.
/// </summary>
internal sealed class ChannelsFirstTensorPrimitivesWorkload : Workload
{
    private const long MinElementsPerWorker = 1 << 15;

    private readonly CaseData _data;
    private readonly Pass _pass;
    private readonly int _images;
    private readonly int _channels;
    private readonly int _positions;
    private readonly int _workers;
    private readonly float[] _output;
    private readonly float[] _mean;
    private readonly float[] _rstd;
    private readonly float[] _gradInput;
    private readonly float[] _gradWeight;
    private readonly float[] _gradBias;
    private readonly Worker[] _scratch;
    private readonly Action<int> _work;

    public ChannelsFirstTensorPrimitivesWorkload(CaseData data, Pass pass)
    {
        _data = data;
        _pass = pass;
        _images = (int)data.Case.Shape[0];
        _channels = data.Case.RowLength;
        _positions = data.Input.Length / (_images * _channels);
        _workers = (int)Math.Clamp((long)data.Input.Length / MinElementsPerWorker, 1, Math.Min(_images, Environment.ProcessorCount));

        bool backward = pass == Pass.ForwardBackward;
        _output = CaseData.Output(data.Input.Length);
        _mean = backward ? CaseData.Output(data.Case.Rows) : [];
        _rstd = backward ? CaseData.Output(data.Case.Rows) : [];
        _gradInput = backward ? CaseData.Output(data.Input.Length) : [];
        _gradWeight = backward ? CaseData.Output(_channels) : [];
        _gradBias = backward ? CaseData.Output(_channels) : [];
        _scratch = new Worker[_workers];
        for (int worker = 0; worker < _workers; worker++)
        {
            _scratch[worker] = new Worker(_channels * _positions, _channels, backward);
        }

        _work = RunWorker;
    }

    public override void Run()
    {
        if (_workers == 1)
        {
            RunWorker(0);
        }
        else
        {
            Parallel.For(0, _workers, _work);
        }

        if (_pass == Pass.ForwardBackward)
        {
            _scratch[0].GradWeight.CopyTo(_gradWeight, 0);
            _scratch[0].GradBias.CopyTo(_gradBias, 0);
            for (int worker = 1; worker < _workers; worker++)
            {
                TensorPrimitives.Add(_gradWeight, _scratch[worker].GradWeight, _gradWeight);
                TensorPrimitives.Add(_gradBias, _scratch[worker].GradBias, _gradBias);
            }
        }
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

    private void RunWorker(int worker)
    {
        Worker scratch = _scratch[worker];
        int first = (int)((long)_images * worker / _workers);
        int next = (int)((long)_images * (worker + 1) / _workers);
        int image = _channels * _positions;
        float epsilon = _data.Case.Epsilon;
        scratch.GradWeight.AsSpan().Clear();
        scratch.GradBias.AsSpan().Clear();

        for (int n = first; n < next; n++)
        {
            Span<float> x = _data.Input.AsSpan(n * image, image);
            Transpose(x, scratch.X, _channels, _positions);
            if (_pass == Pass.Forward)
            {
                TensorPrimitivesNorms.LayerNormForward(scratch.X, _data.Weight, _data.Bias, scratch.Y, default, default, _channels, epsilon);
                Transpose(scratch.Y, _output.AsSpan(n * image, image), _positions, _channels);
                continue;
            }

            Span<float> mean = _mean.AsSpan(n * _positions, _positions), rstd = _rstd.AsSpan(n * _positions, _positions);
            TensorPrimitivesNorms.LayerNormForward(scratch.X, _data.Weight, _data.Bias, scratch.Y, mean, rstd, _channels, epsilon);
            Transpose(scratch.Y, _output.AsSpan(n * image, image), _positions, _channels);

            Transpose(_data.GradOutput.AsSpan(n * image, image), scratch.Dy, _channels, _positions);
            TensorPrimitivesNorms.LayerNormBackward(
                scratch.Dy, scratch.X, _data.Weight, mean, rstd, scratch.Y, scratch.GradWeight, scratch.GradBias, scratch.Xhat, scratch.G, _channels);
            Transpose(scratch.Y, _gradInput.AsSpan(n * image, image), _positions, _channels);
        }
    }

    /// <summary>Writes the <paramref name="rows"/> × <paramref name="columns"/> matrix <paramref name="source"/> transposed.</summary>
    private static void Transpose(ReadOnlySpan<float> source, Span<float> destination, int rows, int columns)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = source.Slice(r * columns, columns);
            for (int c = 0; c < columns; c++)
            {
                destination[c * rows + r] = row[c];
            }
        }
    }

    private sealed class Worker(int imageLength, int channels, bool backward)
    {
        public float[] X { get; } = CaseData.Output(imageLength);

        public float[] Y { get; } = CaseData.Output(imageLength);

        public float[] Dy { get; } = backward ? CaseData.Output(imageLength) : [];

        public float[] Xhat { get; } = backward ? CaseData.Output(channels) : [];

        public float[] G { get; } = backward ? CaseData.Output(channels) : [];

        public float[] GradWeight { get; } = backward ? CaseData.Output(channels) : [];

        public float[] GradBias { get; } = backward ? CaseData.Output(channels) : [];
    }
}
