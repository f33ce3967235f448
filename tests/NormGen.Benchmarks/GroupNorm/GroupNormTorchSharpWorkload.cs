using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace NormGen.Benchmarks.Workloads;

/// <summary>
/// <c>nn.GroupNorm(8, 64)</c> or <c>nn.InstanceNorm2d(64)</c> (PyTorch's defaults: no affine parameters, no running
/// statistics) with the same weight and bias. A channels-last case hands the module the N,C,H,W view of the N,H,W,C data
/// (<c>permute(0, 3, 1, 2)</c>, channels-last strides): libtorch's group norm has a native channels-last kernel for it,
/// which is TorchSharp's fastest honest path (copying to NCHW first and back is several times slower); its instance norm
/// copies the view into a contiguous tensor. Forward runs under <c>no_grad</c>; forward and backward asks autograd for the
/// gradients of the input and the parameters, given the fixed upstream gradient.
/// </summary>
internal sealed class GroupNormTorchSharpWorkload : Workload
{
    private readonly Pass _pass;
    private readonly GroupNormLayout _layout;
    private readonly Tensor _input;
    private readonly Tensor _moduleInput;
    private readonly Tensor _gradOutput;
    private readonly nn.Module<Tensor, Tensor> _norm;
    private readonly List<Tensor> _gradTargets;

    public GroupNormTorchSharpWorkload(CaseData data, Pass pass, GroupNormLayout layout)
    {
        _pass = pass;
        _layout = layout;
        long[] shape = data.Case.Shape;
        _input = tensor(data.Input, shape).requires_grad_(pass == Pass.ForwardBackward);
        _moduleInput = layout.ChannelsLast ? _input.permute(0, 3, 1, 2) : _input;
        using (Tensor gradOutput = tensor(data.GradOutput, shape))
        {
            _gradOutput = layout.ChannelsLast ? gradOutput.permute(0, 3, 1, 2) : gradOutput.alias();
        }

        _gradTargets = [_input];
        if (layout.IsInstanceNorm)
        {
            _norm = nn.InstanceNorm2d(layout.Channels, eps: data.Case.Epsilon);
        }
        else
        {
            var groupNorm = nn.GroupNorm(layout.Groups, layout.Channels, eps: data.Case.Epsilon);
            using (no_grad())
            {
                using Tensor weight = tensor(data.Weight);
                using Tensor bias = tensor(data.Bias);
                groupNorm.weight!.copy_(weight);
                groupNorm.bias!.copy_(bias);
            }

            _gradTargets.Add(groupNorm.weight!);
            _gradTargets.Add(groupNorm.bias!);
            _norm = groupNorm;
        }
    }

    public override void Run()
    {
        using var scope = NewDisposeScope();
        if (_pass == Pass.Forward)
        {
            using (no_grad())
            {
                _norm.call(_moduleInput);
            }

            return;
        }

        autograd.grad([_norm.call(_moduleInput)], _gradTargets, [_gradOutput]);
    }

    public override IReadOnlyDictionary<string, float[]> Capture()
    {
        using var scope = NewDisposeScope();
        if (_pass == Pass.Forward)
        {
            using (no_grad())
            {
                Tensor output = _norm.call(_moduleInput);
                output = _layout.ChannelsLast ? output.permute(0, 2, 3, 1) : output;
                return new Dictionary<string, float[]> { ["y"] = output.contiguous().data<float>().ToArray() };
            }
        }

        IList<Tensor> grads = autograd.grad([_norm.call(_moduleInput)], _gradTargets, [_gradOutput]);
        var result = new Dictionary<string, float[]> { ["dx"] = grads[0].contiguous().data<float>().ToArray() };
        if (grads.Count > 1)
        {
            result["dweight"] = grads[1].contiguous().data<float>().ToArray();
            result["dbias"] = grads[2].contiguous().data<float>().ToArray();
        }

        return result;
    }

    public override void Dispose()
    {
        _input.Dispose();
        _moduleInput.Dispose();
        _gradOutput.Dispose();
        _norm.Dispose();
    }
}
