using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace NormGen.Benchmarks.Workloads;

/// <summary>
/// Add-then-LayerNorm as a TorchSharp pre-norm block writes it: <c>h = x + residual</c> (the updated residual
/// stream, which the block keeps), then <c>nn.LayerNorm(h)</c>. Forward runs under <c>no_grad</c>; forward and
/// backward asks autograd for the gradients of the input, the residual and the parameters, given the fixed
/// upstream gradient.
/// </summary>
internal sealed class ResidualTorchSharpWorkload : Workload
{
    private readonly Pass _pass;
    private readonly Tensor _input;
    private readonly Tensor _residual;
    private readonly Tensor _gradOutput;
    private readonly TorchSharp.Modules.LayerNorm _layerNorm;
    private readonly List<Tensor> _gradTargets;

    public ResidualTorchSharpWorkload(CaseData data, Pass pass)
    {
        NormCase normCase = data.Case;
        _pass = pass;
        bool backward = pass == Pass.ForwardBackward;
        _input = tensor(data.Input, normCase.Shape).requires_grad_(backward);
        _residual = tensor(ResidualData.For(data), normCase.Shape).requires_grad_(backward);
        _gradOutput = tensor(data.GradOutput, normCase.Shape);
        _layerNorm = nn.LayerNorm(normCase.NormalizedShape, eps: normCase.Epsilon);
        using (no_grad())
        {
            using Tensor weight = tensor(data.Weight, normCase.NormalizedShape);
            using Tensor bias = tensor(data.Bias, normCase.NormalizedShape);
            _layerNorm.weight!.copy_(weight);
            _layerNorm.bias!.copy_(bias);
        }

        _gradTargets = [_input, _residual, _layerNorm.weight!, _layerNorm.bias!];
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
            ["dweight"] = grads[2].contiguous().data<float>().ToArray(),
            ["dbias"] = grads[3].contiguous().data<float>().ToArray(),
        };
    }

    public override void Dispose()
    {
        _input.Dispose();
        _residual.Dispose();
        _gradOutput.Dispose();
        _layerNorm.Dispose();
    }

    private Tensor Forward() => _layerNorm.forward(_input + _residual);
}
