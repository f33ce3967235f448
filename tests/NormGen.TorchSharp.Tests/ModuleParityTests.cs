using System;
using System.Collections.Generic;
using System.Linq;
using NormGen.TorchModules.Tests.Support;
using Xunit;
using static TorchSharp.torch;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace NormGen.TorchModules.Tests;

/// <summary>
/// Each generated module next to its TorchSharp counterpart (composed, for RMSNorm and the channels-first
/// LayerNorm that TorchSharp lacks) on the same random input and parameters: outputs and the gradients of
/// input, γ and β.
/// </summary>
public sealed class ModuleParityTests
{
    public static TheoryData<string> Cases => new() { "ln", "rms", "gelu", "chw", "channels", "bn", "gn", "instance", "instanceRunning", "bnLast", "gnLast" };

    /// <summary>The generated module of a case, its TorchSharp counterpart (null when composed) and an input shape.</summary>
    internal static (Module Generated, Module? Reference, long[] Shape) Create(string name) => name switch
    {
        "ln" => (new Rows32.LnModule(), nn.LayerNorm(48), new long[] { 3, 5, 48 }),
        "rms" => (new Rows32.RmsModule(), null, new long[] { 3, 5, 48 }),
        "gelu" => (new Rows32.GeluModule(), nn.LayerNorm(48), new long[] { 3, 5, 48 }),
        "chw" => (new Conv32.ChwModule(), nn.LayerNorm(new long[] { 8, 6, 5 }), new long[] { 4, 8, 6, 5 }),
        "channels" => (new Conv32.ChannelsModule(), null, new long[] { 4, 8, 6, 5 }),
        "bn" => (new Conv32.BnModule(), nn.BatchNorm2d(8), new long[] { 4, 8, 6, 5 }),
        "gn" => (new Conv32.GnModule(), nn.GroupNorm(4, 8), new long[] { 4, 8, 6, 5 }),
        "instance" => (new Conv32.InstanceModule(), nn.InstanceNorm2d(8, affine: true), new long[] { 4, 8, 6, 5 }),
        "instanceRunning" => (new Conv32.InstanceRunningModule(), nn.InstanceNorm2d(8, affine: true, track_running_stats: true), new long[] { 4, 8, 6, 5 }),
        "bnLast" => (new ChannelsLast32.BnModule(), nn.BatchNorm2d(8), new long[] { 4, 6, 5, 8 }),
        "gnLast" => (new ChannelsLast32.GnModule(), nn.GroupNorm(4, 8), new long[] { 4, 6, 5, 8 }),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>
    /// The reference parameters: the counterpart module's, or for composed references copies of the generated
    /// module's, so that the two sides' gradients accumulate separately.
    /// </summary>
    internal static Dictionary<string, Tensor> ReferenceParameters(Module generated, Module? reference) =>
        reference is not null
            ? reference.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter)
            : generated.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone().requires_grad_());

    /// <summary>The reference computation of a case.</summary>
    internal static Tensor Reference(string name, Module? reference, Dictionary<string, Tensor> parameters, Tensor x) => name switch
    {
        "rms" => x * rsqrt(x.pow(2).mean(new long[] { -1 }, keepdim: true) + 1e-6) * parameters["weight"],
        "channels" => ChannelsFirstLayerNorm(x, parameters["weight"], parameters["bias"], 1e-6),
        "gelu" => nn.functional.gelu(reference!.call(x)),
        "bnLast" or "gnLast" => reference!.call(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1),
        _ => reference!.call(x),
    };

    internal static Tensor ChannelsFirstLayerNorm(Tensor x, Tensor weight, Tensor bias, double eps)
    {
        Tensor mean = x.mean(new long[] { 1 }, keepdim: true);
        Tensor variance = x.var(new long[] { 1 }, unbiased: false, keepdim: true);
        return (x - mean) * rsqrt(variance + eps) * weight.reshape(-1, 1, 1) + bias.reshape(-1, 1, 1);
    }

    /// <summary>Random γ and β (γ around 1), copied into the counterpart, so a swapped or ignored parameter shows.</summary>
    internal static void RandomizeParameters(TorchSharp.torch.nn.Module generated, TorchSharp.torch.nn.Module? reference, int seed)
    {
        using (no_grad())
        {
            int i = 0;
            foreach ((string name, var parameter) in generated.named_parameters())
            {
                using Tensor values = Compare.Random(parameter.shape, parameter.dtype, seed + i++, scale: 0.5, offset: name == "weight" ? 1 : 0);
                parameter.copy_(values);
            }

            reference?.load_state_dict(generated.state_dict());
        }
    }

    [TorchSharpTheory]
    [MemberData(nameof(Cases))]
    public void Outputs_and_gradients_match_TorchSharp(string name)
    {
        using var scope = NewDisposeScope();
        (Module generated, Module? reference, long[] shape) = Create(name);
        RandomizeParameters(generated, reference, seed: 7);
        Dictionary<string, Tensor> referenceParameters = ReferenceParameters(generated, reference);
        Tensor x = Compare.Random(shape, ScalarType.Float32, seed: 11, scale: 2, offset: 0.5).requires_grad_();
        Tensor xr = x.detach().clone().requires_grad_();
        Tensor gradOutput = Compare.Random(shape, ScalarType.Float32, seed: 12);

        Tensor y = generated.call(x);
        Tensor yr = Reference(name, reference, referenceParameters, xr);
        Compare.Close(yr, y, 1e-4, 2e-5, $"{name} output");

        y.backward(new[] { gradOutput });
        yr.backward(new[] { gradOutput });
        Compare.Close(xr.grad!, x.grad!, 1e-3, 1e-4, $"{name} input gradient");
        foreach ((string parameter, var mine) in generated.named_parameters())
        {
            Compare.Close(referenceParameters[parameter].grad!, mine.grad!, 1e-3, 1e-4, $"{name} {parameter} gradient");
        }
    }

    [TorchSharpTheory]
    [MemberData(nameof(Cases))]
    public void Autograd_grad_gives_the_gradients_backward_accumulates(string name)
    {
        using var scope = NewDisposeScope();
        (Module generated, _, long[] shape) = Create(name);
        RandomizeParameters(generated, null, seed: 3);
        Tensor x = Compare.Random(shape, ScalarType.Float32, seed: 4).requires_grad_();
        Tensor gradOutput = Compare.Random(shape, ScalarType.Float32, seed: 5);
        var inputs = new List<Tensor> { x };
        inputs.AddRange(generated.parameters());

        IList<Tensor> grads = autograd.grad(new[] { generated.call(x) }, inputs, new[] { gradOutput });
        generated.call(x).backward(new[] { gradOutput });

        for (int i = 0; i < inputs.Count; i++)
        {
            Compare.Close(inputs[i].grad!, grads[i], 1e-6, 1e-6, $"{name} gradient {i}");
        }
    }
}
