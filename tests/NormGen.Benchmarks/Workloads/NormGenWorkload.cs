using System.Collections.Generic;

namespace NormGen.Benchmarks.Workloads;

/// <summary>The generated kernel, called the way a training loop would call it.</summary>
internal sealed class NormGenWorkload<TKernel> : Workload
    where TKernel : INormGenKernel
{
    private readonly CaseData _data;
    private readonly Pass _pass;
    private readonly float[] _output;
    private readonly float[] _mean;
    private readonly float[] _rstd;
    private readonly float[] _gradInput;
    private readonly float[] _gradWeight;
    private readonly float[] _gradBias;

    public NormGenWorkload(CaseData data, Pass pass)
    {
        _data = data;
        _pass = pass;
        _output = CaseData.Output(data.Input.Length);
        bool backward = pass == Pass.ForwardBackward;
        _mean = backward ? CaseData.Output(data.Case.Rows) : [];
        _rstd = backward ? CaseData.Output(data.Case.Rows) : [];
        _gradInput = backward ? CaseData.Output(data.Input.Length) : [];
        _gradWeight = backward ? CaseData.Output(data.Case.RowLength) : [];
        _gradBias = backward ? CaseData.Output(data.Case.RowLength) : [];
    }

    public override void Run()
    {
        if (_pass == Pass.Forward)
        {
            TKernel.Forward(_data.Input, _data.Weight, _data.Bias, _output);
            return;
        }

        TKernel.Forward(_data.Input, _data.Weight, _data.Bias, _output, _mean, _rstd);
        TKernel.Backward(_data.GradOutput, _data.Input, _data.Weight, _mean, _rstd, _gradInput, _gradWeight, _gradBias);
    }

    public override IReadOnlyDictionary<string, float[]> Capture()
    {
        Run();
        if (_pass == Pass.Forward)
        {
            return new Dictionary<string, float[]> { ["y"] = (float[])_output.Clone() };
        }

        var result = new Dictionary<string, float[]>
        {
            ["dx"] = (float[])_gradInput.Clone(),
            ["dweight"] = (float[])_gradWeight.Clone(),
        };
        if (_data.Case.Kind == NormKind.LayerNorm)
        {
            result["dbias"] = (float[])_gradBias.Clone();
        }

        return result;
    }
}
