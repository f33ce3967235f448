using System;
using System.Collections.Generic;
using System.Linq;
using NormGen.TorchModules.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace NormGen.TorchModules.Tests;

/// <summary>
/// What makes the generated modules drop-in: running statistics and evaluation, state dictionaries both
/// ways, the fused residual form, Half, frozen parameters, non-contiguous inputs, TorchSharp-operation
/// fallback, shape errors, and no tensors left behind.
/// </summary>
public sealed class ModuleBehaviourTests
{
    [TorchSharpTheory]
    [InlineData("bn")]
    [InlineData("instanceRunning")]
    public void Running_statistics_after_training_steps_and_eval_outputs_match_TorchSharp(string name)
    {
        using var scope = NewDisposeScope();
        (Module generated, Module? reference, long[] shape) = ModuleParityTests.Create(name);
        ModuleParityTests.RandomizeParameters(generated, reference, seed: 21);
        generated.train();
        reference!.train();
        for (int step = 0; step < 5; step++)
        {
            Tensor x = Compare.Random(shape, ScalarType.Float32, seed: 100 + step, scale: 1 + step, offset: step);
            Compare.Close(reference.call(x), generated.call(x), 1e-4, 2e-5, $"{name} training output, step {step}");
        }

        foreach (string buffer in new[] { "running_mean", "running_var" })
        {
            Compare.Close(reference.get_buffer(buffer)!, generated.get_buffer(buffer)!, 1e-5, 1e-6, $"{name} {buffer}");
        }

        Assert.Equal(reference.get_buffer("num_batches_tracked")!.item<long>(), generated.get_buffer("num_batches_tracked")!.item<long>());

        generated.eval();
        reference.eval();
        Tensor test = Compare.Random(shape, ScalarType.Float32, seed: 200, scale: 3, offset: 2).requires_grad_();
        Tensor testReference = test.detach().clone().requires_grad_();
        Tensor y = generated.call(test);
        Tensor yr = reference.call(testReference);
        Compare.Close(yr, y, 1e-4, 2e-5, $"{name} eval output");
        y.sum().backward();
        yr.sum().backward();
        Compare.Close(testReference.grad!, test.grad!, 1e-4, 1e-5, $"{name} eval input gradient");
        Compare.Close(reference.get_parameter("weight")!.grad!, generated.get_parameter("weight")!.grad!, 1e-3, 1e-4, $"{name} eval weight gradient");
    }

    [TorchSharpTheory]
    [InlineData("ln")]
    [InlineData("chw")]
    [InlineData("bn")]
    [InlineData("gn")]
    [InlineData("instanceRunning")]
    public void State_dictionaries_load_into_TorchSharp_modules_and_back(string name)
    {
        using var scope = NewDisposeScope();
        (Module generated, Module? reference, long[] shape) = ModuleParityTests.Create(name);
        Assert.Equal(reference!.state_dict().Keys.OrderBy(k => k), generated.state_dict().Keys.OrderBy(k => k));
        foreach ((string key, Tensor value) in reference.state_dict())
        {
            Assert.Equal(value.shape, generated.state_dict()[key].shape);
            Assert.Equal(value.dtype, generated.state_dict()[key].dtype);
            // PyTorch's initialization: γ = 1, β = 0, running mean 0, running variance 1, no batches tracked.
            double initial = key is "weight" or "running_var" ? 1 : 0;
            Assert.True(generated.state_dict()[key].eq(initial).all().item<bool>(), $"{name} initial {key}");
        }

        // Generated → TorchSharp: train the generated module a little, load its state into a fresh counterpart.
        ModuleParityTests.RandomizeParameters(generated, null, seed: 31);
        generated.train();
        generated.call(Compare.Random(shape, ScalarType.Float32, seed: 32, scale: 2, offset: 1));
        (_, Module? fresh, _) = ModuleParityTests.Create(name);
        fresh!.load_state_dict(generated.state_dict());
        generated.eval();
        fresh.eval();
        Tensor x = Compare.Random(shape, ScalarType.Float32, seed: 33);
        Compare.Close(fresh.call(x), generated.call(x), 1e-4, 2e-5, $"{name} TorchSharp module loaded from the generated one");

        // TorchSharp → generated.
        ModuleParityTests.RandomizeParameters(fresh as Module, null, seed: 34);
        (Module other, _, _) = ModuleParityTests.Create(name);
        other.load_state_dict(fresh.state_dict());
        other.eval();
        Compare.Close(fresh.call(x), other.call(x), 1e-4, 2e-5, $"{name} generated module loaded from TorchSharp's");
    }

    [TorchSharpFact]
    public void Residual_module_returns_the_norm_and_the_sum_with_gradients_through_both()
    {
        using var scope = NewDisposeScope();
        var generated = new Rows32.ResidualLnModule();
        var reference = nn.LayerNorm(48);
        ModuleParityTests.RandomizeParameters(generated, reference, seed: 41);
        long[] shape = { 2, 7, 48 };
        Tensor x = Compare.Random(shape, ScalarType.Float32, seed: 42).requires_grad_();
        Tensor r = Compare.Random(shape, ScalarType.Float32, seed: 43, scale: 3).requires_grad_();
        Tensor xr = x.detach().clone().requires_grad_();
        Tensor rr = r.detach().clone().requires_grad_();

        (Tensor y, Tensor h) = generated.call(x, r);
        Tensor hr = xr + rr;
        Tensor yr = reference.call(hr);
        Compare.Close(hr, h, 1e-6, 1e-6, "residual sum");
        Compare.Close(yr, y, 1e-4, 2e-5, "residual norm output");

        // The stream continues past the norm, so gradient reaches x and r through y and through h.
        Tensor gy = Compare.Random(shape, ScalarType.Float32, seed: 44);
        Tensor gh = Compare.Random(shape, ScalarType.Float32, seed: 45);
        ((y * gy).sum() + (h * gh).sum()).backward();
        ((yr * gy).sum() + (hr * gh).sum()).backward();
        Compare.Close(xr.grad!, x.grad!, 1e-3, 1e-4, "input gradient");
        Compare.Close(rr.grad!, r.grad!, 1e-3, 1e-4, "residual gradient");
        Compare.Close(reference.weight!.grad!, generated.weight.grad!, 1e-3, 1e-4, "weight gradient");
        Compare.Close(reference.bias!.grad!, generated.bias.grad!, 1e-3, 1e-4, "bias gradient");
    }

    [TorchSharpTheory]
    [InlineData("ln")]
    [InlineData("rms")]
    public void Half_modules_match_TorchSharp_in_float32_to_half_precision(string name)
    {
        using var scope = NewDisposeScope();
        Module generated = name == "ln" ? new RowsHalf.LnModule() : new RowsHalf.RmsModule();
        Assert.Equal(ScalarType.Float16, generated.get_parameter("weight")!.dtype);
        ModuleParityTests.RandomizeParameters(generated, null, seed: 51);
        long[] shape = { 4, 3, 64 };
        Tensor x = Compare.Random(shape, ScalarType.Float16, seed: 52, scale: 2, offset: 1).requires_grad_();
        Tensor x32 = x.detach().to_type(ScalarType.Float32).requires_grad_();
        Tensor w32 = generated.get_parameter("weight")!.detach().to_type(ScalarType.Float32).requires_grad_();
        Tensor yr = name == "ln"
            ? nn.functional.layer_norm(x32, new long[] { 64 }, w32, generated.get_parameter("bias")!.detach().to_type(ScalarType.Float32), 1e-5)
            : x32 * rsqrt(x32.pow(2).mean(new long[] { -1 }, keepdim: true) + 1e-5) * w32;
        Tensor y = generated.call(x);
        Assert.Equal(ScalarType.Float16, y.dtype);
        Compare.Close(yr, y, 4e-3, 4e-3, $"half {name} output");
        Tensor gradOutput = Compare.Random(shape, ScalarType.Float16, seed: 53);
        y.backward(new[] { gradOutput });
        yr.backward(new[] { gradOutput.to_type(ScalarType.Float32) });
        Compare.Close(x32.grad!, x.grad!, 1e-2, 1e-2, $"half {name} input gradient");
        Compare.Close(w32.grad!, generated.get_parameter("weight")!.grad!, 1e-2, 5e-2, $"half {name} weight gradient");
    }

    [TorchSharpTheory]
    [InlineData("bn")]
    [InlineData("gn")]
    public void Half_channel_norms_match_TorchSharp_in_float32_to_half_precision(string name)
    {
        using var scope = NewDisposeScope();
        Module generated = name == "bn" ? new ConvHalf.BnModule() : new ConvHalf.GnModule();
        Module reference = name == "bn" ? nn.BatchNorm2d(8) : nn.GroupNorm(4, 8);
        ModuleParityTests.RandomizeParameters(generated, null, seed: 55);
        using (no_grad())
        {
            foreach ((string key, Tensor value) in generated.state_dict())
            {
                reference.state_dict()[key].copy_(value.to_type(reference.state_dict()[key].dtype));
            }
        }

        long[] shape = { 4, 8, 6, 5 };
        Tensor x = Compare.Random(shape, ScalarType.Float16, seed: 56, scale: 2, offset: 1).requires_grad_();
        Tensor x32 = x.detach().to_type(ScalarType.Float32).requires_grad_();
        Tensor y = generated.call(x);
        Tensor yr = reference.call(x32);
        Assert.Equal(ScalarType.Float16, y.dtype);
        Compare.Close(yr, y, 4e-3, 4e-3, $"half {name} output");
        Tensor gradOutput = Compare.Random(shape, ScalarType.Float16, seed: 57);
        y.backward(new[] { gradOutput });
        yr.backward(new[] { gradOutput.to_type(ScalarType.Float32) });
        Compare.Close(x32.grad!, x.grad!, 1e-2, 1e-2, $"half {name} input gradient");
        Compare.Close(reference.get_parameter("weight")!.grad!, generated.get_parameter("weight")!.grad!, 1e-2, 5e-2, $"half {name} weight gradient");
        if (name == "bn")
        {
            Assert.Equal(ScalarType.Float16, generated.get_buffer("running_var")!.dtype);
            Compare.Close(reference.get_buffer("running_mean")!, generated.get_buffer("running_mean")!, 1e-3, 1e-3, "half running mean");
            Compare.Close(reference.get_buffer("running_var")!, generated.get_buffer("running_var")!, 1e-3, 1e-3, "half running variance");
        }
    }

    [TorchSharpFact]
    public void Frozen_parameters_get_no_gradient_and_inference_saves_nothing()
    {
        using var scope = NewDisposeScope();
        var generated = new Conv32.GnModule();
        generated.weight.requires_grad = false;
        Tensor x = Compare.Random(new long[] { 2, 8, 6, 5 }, ScalarType.Float32, seed: 61).requires_grad_();
        generated.call(x).sum().backward();
        Assert.Null(generated.weight.grad);
        Assert.NotNull(generated.bias.grad);
        Assert.NotNull(x.grad);

        // Nothing requires a gradient: no autograd graph at all.
        generated.bias.requires_grad = false;
        Tensor plain = Compare.Random(new long[] { 2, 8, 6, 5 }, ScalarType.Float32, seed: 62);
        Tensor y = generated.call(plain);
        Assert.False(y.requires_grad);
        using (no_grad())
        {
            Assert.False(generated.call(x).requires_grad);
        }
    }

    [TorchSharpFact]
    public void Non_contiguous_inputs_give_the_result_of_their_contiguous_copy()
    {
        using var scope = NewDisposeScope();
        var generated = new Conv32.ChannelsModule();
        ModuleParityTests.RandomizeParameters(generated, null, seed: 71);
        Tensor source = Compare.Random(new long[] { 4, 5, 6, 8 }, ScalarType.Float32, seed: 72);
        Tensor strided = source.permute(0, 3, 2, 1).requires_grad_(false);
        Assert.False(strided.is_contiguous());
        Tensor y = generated.call(strided);
        Compare.Close(generated.call(strided.contiguous()), y, 0, 0, "non-contiguous input");
        Compare.Close(ModuleParityTests.ChannelsFirstLayerNorm(strided, generated.weight, generated.bias, 1e-6), y, 1e-4, 2e-5, "non-contiguous reference");
    }

    [TorchSharpTheory]
    [InlineData("ln")]
    [InlineData("rms")]
    [InlineData("channels")]
    [InlineData("bn")]
    [InlineData("gn")]
    [InlineData("instanceRunning")]
    [InlineData("bnLast")]
    [InlineData("gnLast")]
    public void Tensors_the_kernel_does_not_take_run_TorchSharp_operations_with_the_same_results(string name)
    {
        // The kernels are float32; in float64 the module runs TorchSharp's operations, as it does on CUDA devices.
        using var scope = NewDisposeScope();
        (Module generated, Module? reference, long[] shape) = ModuleParityTests.Create(name);
        ModuleParityTests.RandomizeParameters(generated, reference, seed: 81);
        generated.to(ScalarType.Float64);
        reference?.to(ScalarType.Float64);
        Dictionary<string, Tensor> referenceParameters = ModuleParityTests.ReferenceParameters(generated, reference);
        for (int step = 0; step < 3; step++)
        {
            Tensor x = Compare.Random(shape, ScalarType.Float64, seed: 82 + step, scale: 2, offset: 1).requires_grad_();
            Tensor xr = x.detach().clone().requires_grad_();
            Tensor y = generated.call(x);
            Tensor yr = name == "rms"
                ? xr * rsqrt(xr.pow(2).mean(new long[] { -1 }, keepdim: true) + 1e-6) * referenceParameters["weight"]
                : ModuleParityTests.Reference(name, reference, referenceParameters, xr);
            Compare.Close(yr, y, 1e-10, 1e-10, $"{name} float64 output, step {step}");
            y.sum().backward();
            yr.sum().backward();
            Compare.Close(xr.grad!, x.grad!, 1e-9, 1e-9, $"{name} float64 input gradient");
        }

        if (reference?.state_dict().ContainsKey("running_mean") == true)
        {
            Compare.Close(reference.get_buffer("running_var")!, generated.get_buffer("running_var")!, 1e-10, 1e-10, $"{name} float64 running variance");
        }
    }

    [TorchSharpFact]
    public void Shapes_that_contradict_the_static_extents_throw_naming_expected_and_actual()
    {
        using var scope = NewDisposeScope();
        var ln = new Rows32.LnModule();
        var error = Assert.Throws<ArgumentException>(() => ln.call(zeros(2, 3, 47)));
        Assert.Equal("input", error.ParamName);
        Assert.Contains("[*, 48]", error.Message);
        Assert.Contains("[2, 3, 47]", error.Message);

        var gn = new Conv32.GnModule();
        error = Assert.Throws<ArgumentException>(() => gn.call(zeros(2, 8, 6, 4)));
        Assert.Contains("[N, 8, H, W] with H·W = 30", error.Message);
        Assert.Contains("[2, 8, 6, 4]", error.Message);

        var residual = new Rows32.ResidualRmsModule();
        error = Assert.Throws<ArgumentException>(() => residual.call(zeros(2, 48), zeros(3, 48)));
        Assert.Equal("residual", error.ParamName);
    }

    [TorchSharpFact]
    public void Training_steps_leave_no_live_tensors_behind()
    {
        var modules = new Module[] { new Rows32.LnModule(), new Conv32.BnModule(), new Conv32.InstanceRunningModule() };
        long[][] shapes = { new long[] { 4, 48 }, new long[] { 2, 8, 6, 5 }, new long[] { 2, 8, 6, 5 } };
        long Live() => TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        void Step(int i)
        {
            using var scope = NewDisposeScope();
            for (int m = 0; m < modules.Length; m++)
            {
                Tensor x = rand(shapes[m]).requires_grad_();
                modules[m].call(x).pow(2).sum().backward();
                using (no_grad())
                {
                    modules[m].call(x);
                }
            }
        }

        Step(0);
        foreach (var module in modules)
        {
            module.zero_grad();
        }

        long before = Live();
        for (int i = 0; i < 50; i++)
        {
            Step(i);
            foreach (var module in modules)
            {
                module.zero_grad();
            }
        }

        Assert.Equal(before, Live());
    }
}
