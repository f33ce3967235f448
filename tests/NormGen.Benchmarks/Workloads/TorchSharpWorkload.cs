using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace NormGen.Benchmarks.Workloads;

/// <summary>
/// The same norm in TorchSharp, written as a TorchSharp user writes it: <c>nn.LayerNorm</c>, or RMSNorm
/// composed from tensor ops (TorchSharp has no <c>nn.RMSNorm</c>). The forward pass runs under
/// <c>no_grad</c>; the forward and backward pass records the graph and asks autograd for the gradients of
/// the input and the parameters, given the fixed upstream gradient.
/// </summary>
internal sealed class TorchSharpWorkload : Workload
{
    private readonly NormCase _case;
    private readonly Pass _pass;
    private readonly Tensor _input;
    private readonly Tensor _gradOutput;
    private readonly nn.Module<Tensor, Tensor>? _layerNorm;
    private readonly Tensor _weight;
    private readonly Tensor? _bias;
    private readonly List<Tensor> _gradTargets;

    public TorchSharpWorkload(CaseData data, Pass pass)
    {
        _case = data.Case;
        _pass = pass;
        bool backward = pass == Pass.ForwardBackward;

        _input = tensor(data.Input, _case.Shape).requires_grad_(backward);
        _gradOutput = tensor(data.GradOutput, _case.Shape);

        if (_case.Kind == NormKind.LayerNorm)
        {
            var layerNorm = nn.LayerNorm(_case.NormalizedShape, eps: _case.Epsilon);
            using (no_grad())
            {
                using Tensor weight = tensor(data.Weight, _case.NormalizedShape);
                using Tensor bias = tensor(data.Bias, _case.NormalizedShape);
                layerNorm.weight!.copy_(weight);
                layerNorm.bias!.copy_(bias);
            }

            _layerNorm = layerNorm;
            _weight = layerNorm.weight!;
            _bias = layerNorm.bias!;
            _gradTargets = [_input, _weight, _bias];
        }
        else
        {
            _weight = tensor(data.Weight, _case.NormalizedShape).requires_grad_(true);
            _gradTargets = [_input, _weight];
        }
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

        Tensor output = Forward();
        autograd.grad([output], _gradTargets, [_gradOutput]);
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
        var result = new Dictionary<string, float[]>
        {
            ["dx"] = grads[0].contiguous().data<float>().ToArray(),
            ["dweight"] = grads[1].contiguous().data<float>().ToArray(),
        };
        if (_bias is not null)
        {
            result["dbias"] = grads[2].contiguous().data<float>().ToArray();
        }

        return result;
    }

    public override void Dispose()
    {
        _input.Dispose();
        _gradOutput.Dispose();
        if (_layerNorm is not null)
        {
            _layerNorm.Dispose();
        }
        else
        {
            _weight.Dispose();
        }
    }

    private Tensor Forward()
    {
        if (_layerNorm is not null)
        {
            return _layerNorm.forward(_input);
        }

        // RMSNorm over the last axis, composed as LLaMA's reference code writes it.
        return _input * rsqrt(_input.pow(2).mean([-1L], keepdim: true) + _case.Epsilon) * _weight;
    }
}
