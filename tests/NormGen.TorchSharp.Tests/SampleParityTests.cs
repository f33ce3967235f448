using System;
using NormGen.Samples.Training;
using NormGen.Samples.Training.Models;
using NormGen.TorchModules.Tests.Support;
using Xunit;

namespace NormGen.TorchModules.Tests;

/// <summary>
/// Each training sample for a few steps, built once with the generated modules and once with TorchSharp's,
/// same seed and data: the losses agree step by step within 1e-3 relative (float32 kernels and libtorch sum
/// in different orders, and Adam carries the differences from step to step).
/// </summary>
public sealed class SampleParityTests
{
    private const int Steps = 5;
    private const double Tolerance = 1e-3;

    public static TheoryData<string> Samples => new() { "cnn", "transformer", "resnet", "resnet-groupnorm", "convnext" };

    private static ISample Create(string name) => name switch
    {
        "cnn" => new CnnSample(batch: 2),
        "transformer" => new TransformerSample(batch: 8),
        "resnet" => new ResNetSample(groupNorm: false, batch: 8),
        "resnet-groupnorm" => new ResNetSample(groupNorm: true, batch: 2),
        "convnext" => new ConvNeXtSample(batch: 4),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [TorchSharpTheory]
    [MemberData(nameof(Samples))]
    public void Losses_match_the_TorchSharp_module_version_step_by_step(string name)
    {
        ISample sample = Create(name);
        // Epochs of two steps, so that BatchNorm's eval() switch and its held-out loss take part.
        TrainingRun torchSharp = Trainer.Train(sample, generated: false, Steps, epochLength: 2);
        TrainingRun generated = Trainer.Train(sample, generated: true, Steps, epochLength: 2);
        for (int step = 0; step < Steps; step++)
        {
            double expected = torchSharp.Losses[step], actual = generated.Losses[step];
            Assert.True(double.IsFinite(expected) && double.IsFinite(actual), $"{name} step {step}: losses {actual} and {expected}.");
            Assert.True(Math.Abs(actual - expected) <= Tolerance * Math.Max(1, Math.Abs(expected)),
                $"{name} step {step}: loss {actual:R} with generated modules, {expected:R} with TorchSharp's.");
        }

        if (sample.EvaluatesEachEpoch)
        {
            Assert.True(Math.Abs(generated.EvalLoss - torchSharp.EvalLoss) <= Tolerance * Math.Max(1, Math.Abs(torchSharp.EvalLoss)),
                $"{name} eval loss: {generated.EvalLoss:R} with generated modules, {torchSharp.EvalLoss:R} with TorchSharp's.");
        }
    }
}
