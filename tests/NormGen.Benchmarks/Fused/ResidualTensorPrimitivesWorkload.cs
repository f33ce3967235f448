using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using System.Threading.Tasks;

namespace NormGen.Benchmarks.Workloads;

/// <summary>
/// Add-then-LayerNorm with <see cref="TensorPrimitives"/>: <c>Add</c> into the residual-stream buffer, then the
/// per-row LayerNorm of <see cref="TensorPrimitivesNorms"/> on it (backward on the saved sum), with the rows
/// split across the cores as <see cref="TensorPrimitivesWorkload"/> splits them.
/// </summary>
internal sealed class ResidualTensorPrimitivesWorkload : Workload
{
    private const long MinElementsPerWorker = 1 << 15;

    private readonly CaseData _data;
    private readonly Pass _pass;
    private readonly int _rowLength;
    private readonly int _workers;
    private readonly float[] _residual;
    private readonly float[] _sum;
    private readonly float[] _output;
    private readonly float[] _mean;
    private readonly float[] _rstd;
    private readonly float[] _gradInput;
    private readonly float[] _gradWeight;
    private readonly float[] _gradBias;
    private readonly float[][] _xhat;
    private readonly float[][] _g;
    private readonly float[][] _gradWeightPartials;
    private readonly float[][] _gradBiasPartials;
    private readonly Action<int> _work;

    public ResidualTensorPrimitivesWorkload(CaseData data, Pass pass)
    {
        _data = data;
        _pass = pass;
        _rowLength = data.Case.RowLength;
        int rows = data.Case.Rows;
        _workers = (int)Math.Clamp((long)rows * _rowLength / MinElementsPerWorker, 1, Math.Min(rows, Environment.ProcessorCount));

        bool backward = pass == Pass.ForwardBackward;
        _residual = ResidualData.For(data);
        _sum = CaseData.Output(data.Input.Length);
        _output = CaseData.Output(data.Input.Length);
        _mean = backward ? CaseData.Output(rows) : [];
        _rstd = backward ? CaseData.Output(rows) : [];
        _gradInput = backward ? CaseData.Output(data.Input.Length) : [];
        _gradWeight = backward ? CaseData.Output(_rowLength) : [];
        _gradBias = backward ? CaseData.Output(_rowLength) : [];
        _xhat = PerWorker(backward);
        _g = PerWorker(backward);
        _gradWeightPartials = PerWorker(backward);
        _gradBiasPartials = PerWorker(backward);
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
            _gradWeightPartials[0].CopyTo(_gradWeight, 0);
            _gradBiasPartials[0].CopyTo(_gradBias, 0);
            for (int worker = 1; worker < _workers; worker++)
            {
                TensorPrimitives.Add(_gradWeight, _gradWeightPartials[worker], _gradWeight);
                TensorPrimitives.Add(_gradBias, _gradBiasPartials[worker], _gradBias);
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
        int rows = _data.Case.Rows;
        int first = (int)((long)rows * worker / _workers);
        int count = (int)((long)rows * (worker + 1) / _workers) - first;
        int start = first * _rowLength;
        int length = count * _rowLength;

        Span<float> sum = _sum.AsSpan(start, length);
        TensorPrimitives.Add(_data.Input.AsSpan(start, length), _residual.AsSpan(start, length), sum);
        Span<float> y = _output.AsSpan(start, length);
        float epsilon = _data.Case.Epsilon;

        if (_pass == Pass.Forward)
        {
            TensorPrimitivesNorms.LayerNormForward(sum, _data.Weight, _data.Bias, y, default, default, _rowLength, epsilon);
            return;
        }

        Span<float> mean = _mean.AsSpan(first, count);
        Span<float> rstd = _rstd.AsSpan(first, count);
        Span<float> dweight = _gradWeightPartials[worker];
        Span<float> dbias = _gradBiasPartials[worker];
        dweight.Clear();
        dbias.Clear();
        TensorPrimitivesNorms.LayerNormForward(sum, _data.Weight, _data.Bias, y, mean, rstd, _rowLength, epsilon);
        TensorPrimitivesNorms.LayerNormBackward(
            _data.GradOutput.AsSpan(start, length), sum, _data.Weight, mean, rstd, _gradInput.AsSpan(start, length),
            dweight, dbias, _xhat[worker], _g[worker], _rowLength);
    }

    private float[][] PerWorker(bool allocate)
    {
        var buffers = new float[_workers][];
        for (int worker = 0; worker < _workers; worker++)
        {
            buffers[worker] = allocate ? CaseData.Output(_rowLength) : [];
        }

        return buffers;
    }
}
