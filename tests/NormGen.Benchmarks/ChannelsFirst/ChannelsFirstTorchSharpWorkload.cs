using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace NormGen.Benchmarks.Workloads;

/// <summary>
/// A channels-first LayerNorm as TorchSharp users write it (ConvNeXt's <c>LayerNorm2d</c>): move C last with
/// <c>permute(0, 2, 3, 1)</c>, apply <c>nn.LayerNorm(C)</c>, move C back with <c>permute(0, 3, 1, 2)</c> and make the
/// result contiguous, as the next convolution wants it. libtorch copies the permuted view into a contiguous
/// tensor before normalizing it. Forward runs under <c>no_grad</c>; forward and backward asks autograd for the
/// gradients of the input and the parameters, given the fixed upstream gradient.
/// </summary>
internal sealed class ChannelsFirstTorchSharpWorkload : Workload
{
    private readonly Pass _pass;
    private readonly Tensor _input;
    private readonly Tensor _gradOutput;
    private readonly TorchSharp.Modules.LayerNorm _layerNorm;
    private readonly List<Tensor> _gradTargets;

    public ChannelsFirstTorchSharpWorkload(CaseData data, Pass pass)
    {
        NormCase normCase = data.Case;
        _pass = pass;
        _input = tensor(data.Input, normCase.Shape).requires_grad_(pass == Pass.ForwardBackward);
        _gradOutput = tensor(data.GradOutput, normCase.Shape);
        _layerNorm = nn.LayerNorm(normCase.NormalizedShape, eps: normCase.Epsilon);
        using (no_grad())
        {
            using Tensor weight = tensor(data.Weight, normCase.NormalizedShape);
            using Tensor bias = tensor(data.Bias, normCase.NormalizedShape);
            _layerNorm.weight!.copy_(weight);
            _layerNorm.bias!.copy_(bias);
        }

        _gradTargets = [_input, _layerNorm.weight!, _layerNorm.bias!];
    }

    public override void Run()
    {
        using var scope = NewDisposeScope();
        if (_pass == Pass.Forward)
        {
            using (no_grad())
            {
                Forward();
            }

            return;
        }

        autograd.grad([Forward()], _gradTargets, [_gradOutput]);
    }

    public override IReadOnlyDictionary<string, float[]> Capture()
    {
        using var scope = NewDisposeScope();
        if (_pass == Pass.Forward)
        {
            using (no_grad())
            {
                return new Dictionary<string, float[]> { ["y"] = Forward().data<float>().ToArray() };
            }
        }

        IList<Tensor> grads = autograd.grad([Forward()], _gradTargets, [_gradOutput]);
        return new Dictionary<string, float[]>
        {
            ["dx"] = grads[0].contiguous().data<float>().ToArray(),
            ["dweight"] = grads[1].contiguous().data<float>().ToArray(),
            ["dbias"] = grads[2].contiguous().data<float>().ToArray(),
        };
    }

    public override void Dispose()
    {
        _input.Dispose();
        _gradOutput.Dispose();
        _layerNorm.Dispose();
    }

    private Tensor Forward() => _layerNorm.forward(_input.permute(0, 2, 3, 1)).permute(0, 3, 1, 2).contiguous();
}
