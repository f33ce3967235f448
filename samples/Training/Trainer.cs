using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
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

/// <summary>One version of a sample in training: its model, optimizer, losses and time.</summary>
public sealed class TrainingSession : IDisposable
{
    private readonly ISample _sample;
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly optim.Optimizer _optimizer;
    private readonly List<double> _losses = new();
    private TimeSpan _time;
    private int _timedSteps;

    /// <summary>Builds the model from a fixed seed, so both versions start from the same weights.</summary>
    public TrainingSession(ISample sample, bool generated)
    {
        _sample = sample;
        Generated = generated;
        manual_seed(1234);
        _model = sample.Build(generated);
        _optimizer = optim.Adam(_model.parameters(), lr: 2e-3);
        _model.train();
    }

    public bool Generated { get; }

    public string Label => Generated ? "NormGen" : "TorchSharp";

    public IReadOnlyList<double> Losses => _losses;

    /// <summary>The loss on a held-out batch at the last epoch's end, in eval() mode; NaN for samples that do not evaluate.</summary>
    public double EvalLoss { get; private set; } = double.NaN;

    /// <summary>Time per step, the first (warm-up) step left out.</summary>
    public double MillisecondsPerStep => _time.TotalMilliseconds / Math.Max(1, _timedSteps);

    /// <summary>One optimizer step on batch <paramref name="step"/>; returns its loss.</summary>
    public double Step(int step)
    {
        using var scope = NewDisposeScope();
        (Tensor input, Tensor labels) = _sample.Batch(step);
        long started = Stopwatch.GetTimestamp();
        _optimizer.zero_grad();
        Tensor loss = nn.functional.cross_entropy(_model.call(input), labels);
        loss.backward();
        _optimizer.step();
        double value = loss.item<float>();
        if (_losses.Count > 0)
        {
            _time += Stopwatch.GetElapsedTime(started);
            _timedSteps++;
        }

        _losses.Add(value);
        return value;
    }

    /// <summary>At an epoch's end: the held-out loss in eval() mode, then back to train().</summary>
    public void EndEpoch(int step)
    {
        if (!_sample.EvaluatesEachEpoch)
        {
            return;
        }

        _model.eval();
        using (no_grad())
        {
            using var scope = NewDisposeScope();
            (Tensor heldOut, Tensor labels) = _sample.Batch(-1 - step);
            EvalLoss = nn.functional.cross_entropy(_model.call(heldOut), labels).item<float>();
        }

        _model.train();
    }

    public string Progress(int step, int steps, int epochLength) =>
        $"    {Label,-10} step {step + 1,4}/{steps}  loss {_losses[^1],8:F4}  epoch mean {Trainer.MeanOfLast(_losses, epochLength),8:F4}" +
        (_sample.EvaluatesEachEpoch ? $"  eval loss {EvalLoss,8:F4}" : "") +
        $"  {MillisecondsPerStep,8:F1} ms/step";

    public TrainingRun Result() => new(Label, _losses.ToList(), MillisecondsPerStep, EvalLoss);

    public void Dispose()
    {
        _optimizer.Dispose();
        _model.Dispose();
    }
}

/// <summary>Trains a sample's two versions with the same seed and data and reports them side by side.</summary>
public static class Trainer
{
    /// <summary>Trains one version of <paramref name="sample"/> for <paramref name="steps"/> steps of Adam.</summary>
    public static TrainingRun Train(ISample sample, bool generated, int steps, int epochLength = 10)
    {
        using var session = new TrainingSession(sample, generated);
        for (int step = 0; step < steps; step++)
        {
            session.Step(step);
            if ((step + 1) % epochLength == 0 || step == steps - 1)
            {
                session.EndEpoch(step);
            }
        }

        return session.Result();
    }

    /// <summary>
    /// Trains both versions step by step in turn (so that both see the same machine load) and prints losses,
    /// time per step and the speedup.
    /// </summary>
    public static (TrainingRun Generated, TrainingRun TorchSharp) Compare(ISample sample, int steps, int epochLength = 10)
    {
        Console.WriteLine($"{sample.Name}: {steps} steps, same seed and data for both versions, steps taken in turn");
        using var torchSharp = new TrainingSession(sample, generated: false);
        using var normGen = new TrainingSession(sample, generated: true);
        for (int step = 0; step < steps; step++)
        {
            torchSharp.Step(step);
            normGen.Step(step);
            if ((step + 1) % epochLength == 0 || step == steps - 1)
            {
                torchSharp.EndEpoch(step);
                normGen.EndEpoch(step);
                Console.WriteLine(torchSharp.Progress(step, steps, epochLength));
                Console.WriteLine(normGen.Progress(step, steps, epochLength));
            }
        }

        Console.WriteLine($"    mean loss of the first and last {epochLength} steps: NormGen {normGen.Losses.Take(epochLength).Average():F4} → {MeanOfLast(normGen.Losses, epochLength):F4}, " +
            $"TorchSharp modules {torchSharp.Losses.Take(epochLength).Average():F4} → {MeanOfLast(torchSharp.Losses, epochLength):F4}");
        Console.WriteLine($"    time per training step: NormGen {normGen.MillisecondsPerStep:F1} ms, TorchSharp {torchSharp.MillisecondsPerStep:F1} ms, " +
            $"speedup {torchSharp.MillisecondsPerStep / normGen.MillisecondsPerStep:F2}×");
        Console.WriteLine();
        return (normGen.Result(), torchSharp.Result());
    }

    /// <summary>The mean of the last <paramref name="count"/> losses (fewer at the start).</summary>
    public static double MeanOfLast(IReadOnlyList<double> losses, int count)
    {
        int n = Math.Min(count, losses.Count);
        double sum = 0;
        for (int i = losses.Count - n; i < losses.Count; i++)
        {
            sum += losses[i];
        }

        return sum / n;
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
