using System;
using NormGen.TorchModules.Tests.Support;
using Xunit;
using static TorchSharp.torch;
using Module = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace NormGen.TorchModules.Tests;

/// <summary>
/// Gradients of the float64 modules against central differences of their own forward (as
/// <c>torch.autograd.gradcheck</c> does): the backward kernels against the forward kernels.
/// </summary>
public sealed class GradientCheckTests
{
    public static TheoryData<string> Cases => new() { "ln", "rms", "channels", "bn", "gn", "instance" };

    private static (Module Module, long[] Shape) Create(string name) => name switch
    {
        "ln" => (new Rows64.LnModule(), new long[] { 3, 24 }),
        "rms" => (new Rows64.RmsModule(), new long[] { 3, 24 }),
        "channels" => (new Conv64.ChannelsModule(), new long[] { 2, 4, 3, 5 }),
        "bn" => (new Conv64.BnModule(), new long[] { 2, 4, 3, 5 }),
        "gn" => (new Conv64.GnModule(), new long[] { 2, 4, 3, 5 }),
        "instance" => (new Conv64.InstanceModule(), new long[] { 2, 4, 3, 5 }),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [TorchSharpTheory]
    [MemberData(nameof(Cases))]
    public void Gradients_match_central_differences_in_float64(string name)
    {
        using var scope = NewDisposeScope();
        (Module module, long[] shape) = Create(name);
        ModuleParityTests.RandomizeParameters(module, null, seed: 91);
        Tensor x = Compare.Random(shape, ScalarType.Float64, seed: 92, scale: 1.5, offset: 0.3).requires_grad_();
        Tensor weights = Compare.Random(shape, ScalarType.Float64, seed: 93);

        // Loss = Σ y·weights, so every output element's gradient takes part.
        Tensor Loss() => (module.call(x) * weights).sum();
        Loss().backward();
        CheckAgainstDifferences(x, Loss, $"{name} input");
        foreach ((string parameter, var value) in module.named_parameters())
        {
            CheckAgainstDifferences(value, Loss, $"{name} {parameter}");
        }
    }

    [TorchSharpFact]
    public void Residual_gradients_match_central_differences_in_float64()
    {
        using var scope = NewDisposeScope();
        var module = new Rows64.ResidualLnModule();
        ModuleParityTests.RandomizeParameters(module, null, seed: 94);
        Tensor x = Compare.Random(new long[] { 3, 24 }, ScalarType.Float64, seed: 95).requires_grad_();
        Tensor r = Compare.Random(new long[] { 3, 24 }, ScalarType.Float64, seed: 96).requires_grad_();
        Tensor gy = Compare.Random(new long[] { 3, 24 }, ScalarType.Float64, seed: 97);
        Tensor gh = Compare.Random(new long[] { 3, 24 }, ScalarType.Float64, seed: 98);
        Tensor Loss()
        {
            (Tensor y, Tensor h) = module.call(x, r);
            return (y * gy).sum() + (h * h * gh).sum();
        }

        Loss().backward();
        CheckAgainstDifferences(x, Loss, "input");
        CheckAgainstDifferences(r, Loss, "residual");
        CheckAgainstDifferences(module.weight, Loss, "weight");
    }

    /// <summary>Compares <paramref name="tensor"/>'s accumulated gradient with (L(t+h) − L(t−h)) / 2h, element by element.</summary>
    private static void CheckAgainstDifferences(Tensor tensor, Func<Tensor> loss, string what)
    {
        const double h = 1e-6;
        double[] analytic = tensor.grad!.contiguous().data<double>().ToArray();
        using var flat = tensor.detach().view(-1);
        for (int i = 0; i < analytic.Length; i++)
        {
            double numeric;
            using (no_grad())
            {
                double original = flat[i].item<double>();
                flat[i] = original + h;
                double plus = loss().item<double>();
                flat[i] = original - h;
                double minus = loss().item<double>();
                flat[i] = original;
                numeric = (plus - minus) / (2 * h);
            }

            Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-5 + 1e-4 * Math.Abs(numeric),
                $"{what}[{i}]: backward gives {analytic[i]:R}, central differences {numeric:R}.");
        }
    }
}
