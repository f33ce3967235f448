using System;
using System.Collections.Generic;
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace NormGen.Samples.Training;

/// <summary>A model to train: built with the generated norm modules or with TorchSharp's, on data it makes.</summary>
public interface ISample
{
    string Name { get; }

    /// <summary>The model, its norms generated (<paramref name="generated"/>) or TorchSharp's own; same layers, same order.</summary>
    nn.Module<Tensor, Tensor> Build(bool generated);

    /// <summary>Batch <paramref name="step"/> of the sample's synthetic task: inputs and class labels, the same for every call.</summary>
    (Tensor Input, Tensor Labels) Batch(int step);

    /// <summary>Whether the sample switches between train() and eval() each epoch (BatchNorm).</summary>
    bool EvaluatesEachEpoch => false;
}

/// <summary>The losses and time per step of one training run.</summary>
public sealed record TrainingRun(string Model, IReadOnlyList<double> Losses, double MillisecondsPerStep, double EvalLoss);

/// <summary>Trains a sample's two versions with the same seed and data and reports them side by side.</summary>
public static class Trainer
{
    /// <summary>Trains one version of <paramref name="sample"/> for <paramref name="steps"/> steps of Adam.</summary>
    public static TrainingRun Train(ISample sample, bool generated, int steps, int epochLength = 10, Action<string>? log = null)
    {
        manual_seed(1234);
        using var model = sample.Build(generated);
        using var optimizer = optim.Adam(model.parameters(), lr: 2e-3);
        var losses = new List<double>();
        double evalLoss = double.NaN;
        var clock = TimeSpan.Zero;
        int timedSteps = 0;
        model.train();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            (Tensor input, Tensor labels) = sample.Batch(step);
            long started = Stopwatch.GetTimestamp();
            optimizer.zero_grad();
            Tensor loss = nn.functional.cross_entropy(model.call(input), labels);
            loss.backward();
            optimizer.step();
            double value = loss.item<float>();
            // The first step warms up the JIT and libtorch; time the rest.
            if (step > 0)
            {
                clock += Stopwatch.GetElapsedTime(started);
                timedSteps++;
            }

            losses.Add(value);
            if ((step + 1) % epochLength == 0 || step == steps - 1)
            {
                if (sample.EvaluatesEachEpoch)
                {
                    model.eval();
                    using (no_grad())
                    {
                        (Tensor heldOut, Tensor heldOutLabels) = sample.Batch(-1 - step);
                        evalLoss = nn.functional.cross_entropy(model.call(heldOut), heldOutLabels).item<float>();
                    }

                    model.train();
                }

                log?.Invoke($"    {(generated ? "NormGen" : "TorchSharp"),-10} step {step + 1,4}/{steps}  loss {value,8:F4}" +
                    (sample.EvaluatesEachEpoch ? $"  eval loss {evalLoss,8:F4}" : "") +
                    $"  {clock.TotalMilliseconds / Math.Max(1, timedSteps),8:F1} ms/step");
            }
        }

        return new TrainingRun(generated ? "NormGen" : "TorchSharp", losses, clock.TotalMilliseconds / Math.Max(1, timedSteps), evalLoss);
    }

    /// <summary>Trains both versions and prints losses, time per step and the speedup.</summary>
    public static (TrainingRun Generated, TrainingRun TorchSharp) Compare(ISample sample, int steps, int epochLength = 10)
    {
        Console.WriteLine($"{sample.Name}: {steps} steps, same seed and data for both versions");
        TrainingRun torchSharp = Train(sample, generated: false, steps, epochLength, Console.WriteLine);
        TrainingRun normGen = Train(sample, generated: true, steps, epochLength, Console.WriteLine);
        Console.WriteLine($"    first loss {normGen.Losses[0]:F4} → last loss {normGen.Losses[^1]:F4} (TorchSharp modules: {torchSharp.Losses[0]:F4} → {torchSharp.Losses[^1]:F4})");
        Console.WriteLine($"    time per training step: NormGen {normGen.MillisecondsPerStep:F1} ms, TorchSharp {torchSharp.MillisecondsPerStep:F1} ms, speedup {torchSharp.MillisecondsPerStep / normGen.MillisecondsPerStep:F2}×");
        Console.WriteLine();
        return (normGen, torchSharp);
    }
}

/// <summary>Synthetic classification data whose labels depend on the input, so the loss can fall.</summary>
public static class SyntheticData
{
    /// <summary>Images [n, channels, size, size]: noise plus a class-specific pattern, and their labels.</summary>
    public static (Tensor Input, Tensor Labels) Images(int step, int batch, int channels, int size, int classes)
    {
        using var generator = new Generator((ulong)(1000 + step * 7919L + 1_000_000));
        Tensor labels = randint(classes, new long[] { batch }, generator: generator);
        using Tensor patterns = PatternBank(classes, channels, size);
        Tensor input = randn(new long[] { batch, channels, size, size }, generator: generator) + 1.5f * patterns.index_select(0, labels);
        return (input, labels);
    }

    private static Tensor PatternBank(int classes, int channels, int size)
    {
        using var generator = new Generator(99);
        return randn(new long[] { classes, channels, size, size }, generator: generator).sign();
    }
}
