using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using System.Threading.Tasks;

namespace NormGen.Benchmarks.Workloads;

/// <summary>
/// The memory-traffic floor of a case: no arithmetic, only the bytes every implementation must move.
/// Forward: copy the input into the output (read x, write y). Forward and backward: that copy, then one
/// streaming pass that reads dy and x and writes dx (the least the backward pass can touch); the
/// parameter gradients are row-long and do not count. Split across the cores as the kernels are.
/// </summary>
internal sealed class CopyWorkload : Workload
{
    private readonly CaseData _data;
    private readonly Pass _pass;
    private readonly int _workers;
    private readonly float[] _output;
    private readonly float[] _gradInput;
    private readonly Action<int> _work;

    public CopyWorkload(CaseData data, Pass pass, bool parallel = true)
    {
        _data = data;
        _pass = pass;
        _workers = parallel ? NormGen.Kernels.RowScheduler.WorkersFor(data.Case.Rows, data.Case.RowLength) : 1;
        _output = CaseData.Output(data.Input.Length);
        _gradInput = pass == Pass.ForwardBackward ? CaseData.Output(data.Input.Length) : [];
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
    }

    // The copy computes nothing to compare; it reports what it wrote.
    public override IReadOnlyDictionary<string, float[]> Capture()
    {
        Run();
        return new Dictionary<string, float[]> { ["y"] = (float[])_output.Clone() };
    }

    private void RunWorker(int worker)
    {
        int rows = _data.Case.Rows;
        int rowLength = _data.Case.RowLength;
        int start = (int)((long)rows * worker / _workers) * rowLength;
        int length = (int)((long)rows * (worker + 1) / _workers) * rowLength - start;

        _data.Input.AsSpan(start, length).CopyTo(_output.AsSpan(start, length));
        if (_pass == Pass.ForwardBackward)
        {
            TensorPrimitives.Add(_data.GradOutput.AsSpan(start, length), _data.Input.AsSpan(start, length), _gradInput.AsSpan(start, length));
        }
    }
}
