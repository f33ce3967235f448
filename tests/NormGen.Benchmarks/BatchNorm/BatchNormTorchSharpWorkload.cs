using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

// The training-mode forward is timed under no_grad() on purpose (what NormGen's training forward does): not a missing eval().
#pragma warning disable NGA005

namespace NormGen.Benchmarks.Workloads;

/// <summary>
/// <c>nn.BatchNorm2d</c> with the same weight, bias and running statistics, in <c>train()</c> or <c>eval()</c> mode. A
/// channels-last case hands the module the N,C,H,W view of the N,H,W,C data (<c>permute(0, 3, 1, 2)</c>, channels-last
/// strides, which libtorch's batch norm handles natively). Forward runs under <c>no_grad</c>; forward and backward asks
/// autograd for the gradients of the input and the parameters, given the fixed upstream gradient.
/// </summary>
internal sealed class BatchNormTorchSharpWorkload : Workload
{
    private readonly Pass _pass;
    private readonly BatchNormLayout _layout;
    private readonly Tensor _input;
    private readonly Tensor _moduleInput;
    private readonly Tensor _gradOutput;
    private readonly TorchSharp.Modules.BatchNorm2d _batchNorm;
    private readonly List<Tensor> _gradTargets;

    public BatchNormTorchSharpWorkload(CaseData data, Pass pass, BatchNormLayout layout)
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

        _batchNorm = nn.BatchNorm2d(layout.Channels, eps: data.Case.Epsilon);
        using (no_grad())
        {
            using Tensor weight = tensor(data.Weight);
            using Tensor bias = tensor(data.Bias);
            using Tensor runningMean = tensor(layout.RunningMean());
            using Tensor runningVar = tensor(layout.RunningVar());
            _batchNorm.weight!.copy_(weight);
            _batchNorm.bias!.copy_(bias);
            _batchNorm.running_mean!.copy_(runningMean);
            _batchNorm.running_var!.copy_(runningVar);
        }

        if (layout.Training)
        {
            _batchNorm.train();
        }
        else
        {
            _batchNorm.eval();
        }

        _gradTargets = [_input, _batchNorm.weight!, _batchNorm.bias!];
    }

    public override void Run()
    {
        using var scope = NewDisposeScope();
        if (_pass == Pass.Forward)
        {
            using (no_grad())
            {
                _batchNorm.forward(_moduleInput);
            }

            return;
        }

        autograd.grad([_batchNorm.forward(_moduleInput)], _gradTargets, [_gradOutput]);
    }

    public override IReadOnlyDictionary<string, float[]> Capture()
    {
        using var scope = NewDisposeScope();
        if (_pass == Pass.Forward)
        {
            using (no_grad())
            {
                Tensor output = _batchNorm.forward(_moduleInput);
                output = _layout.ChannelsLast ? output.permute(0, 2, 3, 1) : output;
                return new Dictionary<string, float[]> { ["y"] = output.contiguous().data<float>().ToArray() };
            }
        }

        IList<Tensor> grads = autograd.grad([_batchNorm.forward(_moduleInput)], _gradTargets, [_gradOutput]);
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
        _moduleInput.Dispose();
        _gradOutput.Dispose();
        _batchNorm.Dispose();
    }
}
