using System.Collections.Generic;
using System.Globalization;
using NormGen.Generators.Helpers;
using NormGen.Generators.Model;

namespace NormGen.Generators.Emitting.Gpu;

/// <summary>
/// Writes the ILGPU kernels of a BatchNorm, specialized to the channel count, spatial extent, layout, epsilon
/// and momentum: training forward (batch statistics, running statistics update), evaluation forward and
/// training backward.
/// </summary>
/// <remarks>
/// Each channel's statistics are a column reduction over batch × spatial elements by one group
/// (deterministic group sums: warp shuffles, one shared slot per warp), so a channel's mean, variance and
/// parameter gradients come out of one group without atomics.
/// </remarks>
internal sealed class GpuBatchNormEmitter
{
    private readonly NormSpec _norm;
    private readonly string _element;
    private readonly string _accumulator;

    private GpuBatchNormEmitter(NormSpec norm)
    {
        _norm = norm;
        _element = GpuSupport.ElementType(norm);
        _accumulator = GpuSupport.AccumulatorType(norm);
    }

    private bool Affine => _norm.HasWeight;

    /// <summary>Whether an activation is fused after the affine step.</summary>
    private bool Activated => _norm.Activation != ActivationKind.None;

    private bool Track => _norm.TrackRunningStats;

    private int Channels => _norm.Geometry.Channels;

    private int Spatial => _norm.Geometry.Spatial;

    /// <summary>Channels-last layouts, and channels-first ones without spatial axes (the same arrangement): channel c of element k at k·C + c.</summary>
    private bool Interleaved => _norm.Geometry.Kind == GeometryKind.ChannelsLast || Spatial == 1;

    private string View => $"global::ILGPU.ArrayView<{_element}>";

    private string AccumulatorView => $"global::ILGPU.ArrayView<{_accumulator}>";

    private string Sqrt => _accumulator == "double" ? "global::System.Math.Sqrt" : "global::System.MathF.Sqrt";

    public static void Emit(CodeWriter writer, NormSpec norm) => new GpuBatchNormEmitter(norm).Emit(writer);

    private void Emit(CodeWriter writer)
    {
        string element = _norm.Element switch { ElementKind.Double => "double", ElementKind.Half => "Half (float arithmetic)", _ => "float" };
        writer.Line("/// <summary>");
        writer.Line($"/// ILGPU kernels of BatchNorm <c>{_norm.Name}</c>: {Channels} channels × {Spatial} spatial {element} elements per sample ({(Interleaved ? "channels interleaved" : "channels-first")}),");
        writer.Line($"/// eps = {_norm.Epsilon.ToString("R", CultureInfo.InvariantCulture)}, {(Affine ? "with weight (γ) and bias (β)" : "without affine parameters")}, {RunningPhrase()}.");
        writer.Line($"/// The same computation as <see cref=\"{_norm.KernelName}\"/>, on an accelerator; one group per channel.");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>Kernels are compiled once per accelerator and cached; results are bitwise reproducible on a given device.</remarks>");
        writer.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"{Parsing.KnownNames.GeneratorTool}\", \"{typeof(GpuBatchNormEmitter).Assembly.GetName().Version}\")]");
        using (writer.Block($"public static class {GpuSupport.TypeName(_norm)}"))
        {
            WriteConstants(writer);
            writer.Line();
            WriteTraining(writer);
            if (Track)
            {
                writer.Line();
                WriteEval(writer);
            }

            writer.Line();
            WriteBackward(writer);
            if (Track)
            {
                writer.Line();
                WriteBackwardEval(writer);
            }

            writer.Line();
            WriteCache(writer);
            writer.Line();
            WriteTrainingKernel(writer);
            if (Track)
            {
                writer.Line();
                WriteEvalKernel(writer);
            }

            writer.Line();
            WriteBackwardKernel(writer);
            if (Track)
            {
                writer.Line();
                WriteBackwardEvalKernel(writer);
            }

            if (Activated)
            {
                writer.Line();
                GpuSupport.WriteActivation(writer, _accumulator, _norm.Activation);
            }
        }
    }

    private string RunningPhrase() => !Track
        ? "normalizing with batch statistics only"
        : _norm.CumulativeAverage
            ? "running statistics as a cumulative average"
            : $"running statistics with momentum {_norm.Momentum.ToString("R", CultureInfo.InvariantCulture)}";

    private void WriteConstants(CodeWriter writer)
    {
        writer.Line("/// <summary>The number of channels.</summary>");
        writer.Line($"public const int Channels = {Channels};");
        writer.Line();
        writer.Line("/// <summary>Elements of one channel in one sample: the product of the spatial extents.</summary>");
        writer.Line($"public const int Spatial = {Spatial};");
        writer.Line();
        writer.Line("/// <summary>Elements of one sample.</summary>");
        writer.Line("public const int SampleLength = Channels * Spatial;");
        writer.Line();
        writer.Line("/// <summary>The epsilon added under the square root.</summary>");
        writer.Line($"public const {_accumulator} Epsilon = {Literal(_norm.Epsilon)};");
        if (Track && !_norm.CumulativeAverage)
        {
            writer.Line();
            writer.Line("/// <summary>The running statistics' momentum: <c>running = (1 - m)·running + m·batch</c>.</summary>");
            writer.Line($"public const double Momentum = {_norm.Momentum.ToString("R", CultureInfo.InvariantCulture)};");
        }
    }

    private List<string> AffineParameters(string prefix = "") =>
        Affine ? [$"{View} {prefix}weight", $"{View} {prefix}bias"] : [];

    private void WriteTraining(CodeWriter writer)
    {
        var parameters = new List<string> { "global::ILGPU.Runtime.AcceleratorStream stream", $"{View} input" };
        parameters.AddRange(AffineParameters());
        if (Track) parameters.AddRange([$"{View} runningMean", $"{View} runningVar", "ref long numBatchesTracked"]);
        parameters.AddRange([$"{View} output", $"{AccumulatorView} saveMean", $"{AccumulatorView} saveRstd"]);

        writer.Line("/// <summary>");
        writer.Line("/// Queues the training forward on <paramref name=\"stream\"/>: normalizes <paramref name=\"input\"/> with its batch statistics into");
        writer.Line("/// <paramref name=\"output\"/> (which may be the same view)" + (Track ? ", updates the running statistics (with the unbiased variance)," : "") + " and saves each");
        writer.Line("/// channel's mean and reciprocal standard deviation (biased) for <c>Backward</c>; pass empty views to skip saving them.");
        writer.Line("/// </summary>");
        if (Track) writer.Line("/// <remarks><paramref name=\"numBatchesTracked\"/> is incremented on every call, as PyTorch does.</remarks>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A view's length does not fit the shape, or a channel has a single value.</exception>");
        using (writer.Block($"public static void {(Track ? "ForwardTraining" : "Forward")}({string.Join(", ", parameters)})"))
        {
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireStream(stream, nameof(stream));");
            writer.Line("int batch = global::NormGen.Gpu.GpuArguments.RowCount(input.Length, SampleLength, nameof(input));");
            WriteParameterChecks(writer);
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(output.Length, input.Length, nameof(output));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(saveMean.Length, Channels, nameof(saveMean));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(saveRstd.Length, Channels, nameof(saveRstd));");
            using (writer.Block("if (batch > 0 && (long)batch * Spatial < 2)"))
            {
                writer.Line("throw new global::System.ArgumentException(\"Each channel needs more than one value to normalize with batch statistics.\", nameof(input));");
            }

            if (Track)
            {
                writer.Line("numBatchesTracked++;");
            }

            writer.Line("if (batch == 0) return;");
            writer.Line();
            WriteLaunchSetup(writer);
            var arguments = new List<string> { "stream", "config", "input" };
            if (Affine) arguments.AddRange(["weight", "bias"]);
            if (Track)
            {
                arguments.AddRange(["runningMean", "runningVar", _norm.CumulativeAverage ? $"({_accumulator})(1.0 / numBatchesTracked)" : $"({_accumulator})Momentum"]);
            }

            arguments.AddRange(["output", "saveMean", "saveRstd", "(long)batch * Spatial"]);
            writer.Line($"kernels.Training({string.Join(", ", arguments)});");
        }
    }

    private void WriteEval(CodeWriter writer)
    {
        var parameters = new List<string> { "global::ILGPU.Runtime.AcceleratorStream stream", $"{View} input" };
        parameters.AddRange(AffineParameters());
        parameters.AddRange([$"{View} runningMean", $"{View} runningVar", $"{View} output"]);
        writer.Line("/// <summary>Queues the evaluation forward: normalizes <paramref name=\"input\"/> with the running statistics into <paramref name=\"output\"/> (which may be the same view).</summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A view's length does not fit the shape.</exception>");
        using (writer.Block($"public static void ForwardEval({string.Join(", ", parameters)})"))
        {
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireStream(stream, nameof(stream));");
            writer.Line("int batch = global::NormGen.Gpu.GpuArguments.RowCount(input.Length, SampleLength, nameof(input));");
            WriteParameterChecks(writer);
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(output.Length, input.Length, nameof(output));");
            writer.Line("if (batch == 0) return;");
            writer.Line();
            WriteLaunchSetup(writer);
            var arguments = new List<string> { "stream", "config", "input" };
            if (Affine) arguments.AddRange(["weight", "bias"]);
            arguments.AddRange(["runningMean", "runningVar", "output", "(long)batch * Spatial"]);
            writer.Line($"kernels.Eval({string.Join(", ", arguments)});");
        }
    }

    private void WriteBackward(CodeWriter writer)
    {
        var parameters = new List<string> { "global::ILGPU.Runtime.AcceleratorStream stream", $"{View} gradOutput", $"{View} input" };
        if (Affine) parameters.Add($"{View} weight");
        if (Affine && Activated) parameters.Add($"{View} bias");
        parameters.AddRange([$"{AccumulatorView} saveMean", $"{AccumulatorView} saveRstd", $"{View} gradInput"]);
        if (Affine) parameters.AddRange([$"{View} gradWeight", $"{View} gradBias"]);

        writer.Line("/// <summary>");
        writer.Line("/// Queues the training-mode backward with the batch statistics saved by the training forward: writes the input gradient");
        writer.Line(Affine ? "/// and (over)writes the weight and bias gradients (pass empty views to skip them)." : "/// (which may be the same view as <paramref name=\"gradOutput\"/>).");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>With <c>M</c> = samples × <see cref=\"Spatial\"/>: <c>dβ = Σ dy</c>, <c>dγ = Σ dy·x̂</c>, <c>dx = γ·rstd·(dy - dβ/M - x̂·dγ/M)</c>.</remarks>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A view's length does not fit the shape.</exception>");
        using (writer.Block($"public static void Backward({string.Join(", ", parameters)})"))
        {
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireStream(stream, nameof(stream));");
            writer.Line("int batch = global::NormGen.Gpu.GpuArguments.RowCount(input.Length, SampleLength, nameof(input));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(gradOutput.Length, input.Length, nameof(gradOutput));");
            if (Affine) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(weight.Length, Channels, nameof(weight));");
            if (Affine && Activated) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(bias.Length, Channels, nameof(bias));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(saveMean.Length, Channels, nameof(saveMean));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(saveRstd.Length, Channels, nameof(saveRstd));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(gradInput.Length, input.Length, nameof(gradInput));");
            if (Affine)
            {
                writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(gradWeight.Length, Channels, nameof(gradWeight));");
                writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(gradBias.Length, Channels, nameof(gradBias));");
            }

            writer.Line();
            WriteLaunchSetup(writer);
            var arguments = new List<string> { "stream", "config", "gradOutput", "input" };
            if (Affine) arguments.Add("weight");
            if (Affine && Activated) arguments.Add("bias");
            arguments.AddRange(["saveMean", "saveRstd", "gradInput"]);
            if (Affine) arguments.AddRange(["gradWeight", "gradBias"]);
            arguments.Add("(long)batch * Spatial");
            writer.Line("// An empty batch still launches: the parameter gradients are sums over no elements, zero.");
            writer.Line($"kernels.Backward({string.Join(", ", arguments)});");
        }
    }

    private void WriteBackwardEval(CodeWriter writer)
    {
        var parameters = new List<string> { "global::ILGPU.Runtime.AcceleratorStream stream", $"{View} gradOutput", $"{View} input" };
        if (Affine) parameters.Add($"{View} weight");
        if (Affine && Activated) parameters.Add($"{View} bias");
        parameters.AddRange([$"{View} runningMean", $"{View} runningVar", $"{View} gradInput"]);
        if (Affine) parameters.AddRange([$"{View} gradWeight", $"{View} gradBias"]);

        writer.Line("/// <summary>");
        writer.Line("/// Queues the evaluation-mode backward, for training with frozen statistics: the running statistics are constants, so");
        writer.Line($"/// <c>dx = dy{(Affine ? "·γ" : "")}·rsqrt(runningVar + eps)</c>" + (Affine ? ", <c>dγ = Σ dy·x̂</c> with <c>x̂ = (x - runningMean)·rsqrt(runningVar + eps)</c> and <c>dβ = Σ dy</c>." : "."));
        writer.Line("/// </summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A view's length does not fit the shape.</exception>");
        using (writer.Block($"public static void BackwardEval({string.Join(", ", parameters)})"))
        {
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireStream(stream, nameof(stream));");
            writer.Line("int batch = global::NormGen.Gpu.GpuArguments.RowCount(input.Length, SampleLength, nameof(input));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(gradOutput.Length, input.Length, nameof(gradOutput));");
            if (Affine) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(weight.Length, Channels, nameof(weight));");
            if (Affine && Activated) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(bias.Length, Channels, nameof(bias));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(runningMean.Length, Channels, nameof(runningMean));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(runningVar.Length, Channels, nameof(runningVar));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(gradInput.Length, input.Length, nameof(gradInput));");
            if (Affine)
            {
                writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(gradWeight.Length, Channels, nameof(gradWeight));");
                writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(gradBias.Length, Channels, nameof(gradBias));");
            }

            writer.Line();
            WriteLaunchSetup(writer);
            var arguments = new List<string> { "stream", "config", "gradOutput", "input" };
            if (Affine) arguments.Add("weight");
            if (Affine && Activated) arguments.Add("bias");
            arguments.AddRange(["runningMean", "runningVar", "gradInput"]);
            if (Affine) arguments.AddRange(["gradWeight", "gradBias"]);
            arguments.Add("(long)batch * Spatial");
            writer.Line($"kernels.BackwardEval({string.Join(", ", arguments)});");
        }
    }

    private void WriteParameterChecks(CodeWriter writer)
    {
        if (Affine)
        {
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(weight.Length, Channels, nameof(weight));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(bias.Length, Channels, nameof(bias));");
        }

        if (Track)
        {
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(runningMean.Length, Channels, nameof(runningMean));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(runningVar.Length, Channels, nameof(runningVar));");
        }
    }

    private void WriteLaunchSetup(CodeWriter writer)
    {
        writer.Line("global::ILGPU.Runtime.Accelerator accelerator = stream.Accelerator;");
        writer.Line("Kernels kernels = KernelCache.GetValue(accelerator, static a => new Kernels(a));");
        writer.Line($"var config = new global::ILGPU.KernelConfig(Channels, global::NormGen.Gpu.GpuAccelerators.GroupSize(accelerator, 256), global::ILGPU.SharedMemoryConfig.RequestDynamic<{_accumulator}>(global::NormGen.Gpu.GpuReductions.MaxWarpsPerGroup));");
    }

    private void WriteCache(CodeWriter writer)
    {
        var training = new List<string> { View };
        if (Affine) training.AddRange([View, View]);
        if (Track) training.AddRange([View, View, _accumulator]);
        training.AddRange([View, AccumulatorView, AccumulatorView, "long"]);

        var eval = new List<string> { View };
        if (Affine) eval.AddRange([View, View]);
        eval.AddRange([View, View, View, "long"]);

        var backward = new List<string> { View, View };
        if (Affine) backward.Add(View);
        if (Affine && Activated) backward.Add(View);
        backward.AddRange([AccumulatorView, AccumulatorView, View]);
        if (Affine) backward.AddRange([View, View]);
        backward.Add("long");

        var backwardEval = new List<string> { View, View };
        if (Affine) backwardEval.Add(View);
        if (Affine && Activated) backwardEval.Add(View);
        backwardEval.AddRange([View, View, View]);
        if (Affine) backwardEval.AddRange([View, View]);
        backwardEval.Add("long");

        const string Launcher = "global::System.Action<global::ILGPU.Runtime.AcceleratorStream, global::ILGPU.KernelConfig, ";
        writer.Line("private static readonly global::System.Runtime.CompilerServices.ConditionalWeakTable<global::ILGPU.Runtime.Accelerator, Kernels> KernelCache = new();");
        writer.Line();
        writer.Line("/// <summary>The kernels compiled for one accelerator.</summary>");
        using (writer.Block("private sealed class Kernels"))
        {
            writer.Line($"public readonly {Launcher}{string.Join(", ", training)}> Training;");
            if (Track) writer.Line($"public readonly {Launcher}{string.Join(", ", eval)}> Eval;");
            writer.Line($"public readonly {Launcher}{string.Join(", ", backward)}> Backward;");
            if (Track) writer.Line($"public readonly {Launcher}{string.Join(", ", backwardEval)}> BackwardEval;");
            writer.Line();
            using (writer.Block("public Kernels(global::ILGPU.Runtime.Accelerator accelerator)"))
            {
                writer.Line($"Training = global::ILGPU.Runtime.KernelLoaders.LoadKernel<{string.Join(", ", training)}>(accelerator, TrainingKernel);");
                if (Track) writer.Line($"Eval = global::ILGPU.Runtime.KernelLoaders.LoadKernel<{string.Join(", ", eval)}>(accelerator, EvalKernel);");
                writer.Line($"Backward = global::ILGPU.Runtime.KernelLoaders.LoadKernel<{string.Join(", ", backward)}>(accelerator, BackwardKernel);");
                if (Track) writer.Line($"BackwardEval = global::ILGPU.Runtime.KernelLoaders.LoadKernel<{string.Join(", ", backwardEval)}>(accelerator, BackwardEvalKernel);");
            }
        }
    }

    /// <summary>Declares the channel, the thread's lane and stride, and the shared reduction slots.</summary>
    private static void WriteChannelLayout(CodeWriter writer, string accumulator)
    {
        writer.Line($"global::ILGPU.ArrayView<{accumulator}> shared = global::ILGPU.SharedMemory.GetDynamic<{accumulator}>();");
        writer.Line("int c = global::ILGPU.Grid.IdxX;");
        writer.Line("int lane = global::ILGPU.Group.IdxX;");
        writer.Line("int width = global::ILGPU.Group.DimX;");
    }

    /// <summary>Opens the loop over the channel's elements, declaring <c>index</c>: its offset in the tensor.</summary>
    private CodeWriter.Scope ChannelLoop(CodeWriter writer)
    {
        CodeWriter.Scope scope = writer.Block("for (long k = lane; k < count; k += width)");
        if (Interleaved)
        {
            writer.Line("long index = k * Channels + c;");
        }
        else
        {
            writer.Line("long sample = k / Spatial;");
            writer.Line("long index = (sample * Channels + c) * Spatial + (k - sample * Spatial);");
        }

        return scope;
    }

    private void WriteTrainingKernel(CodeWriter writer)
    {
        var parameters = new List<string> { $"{View} x" };
        if (Affine) parameters.AddRange([$"{View} w", $"{View} b"]);
        if (Track) parameters.AddRange([$"{View} runningMean", $"{View} runningVar", $"{_accumulator} momentum"]);
        parameters.AddRange([$"{View} y", $"{AccumulatorView} saveMean", $"{AccumulatorView} saveRstd", "long count"]);

        writer.Line("/// <summary>One group per channel: the mean, then the variance of the deviations (two passes, exact for large offsets), then the normalization.</summary>");
        using (writer.Block($"private static void TrainingKernel({string.Join(", ", parameters)})"))
        {
            WriteChannelLayout(writer, _accumulator);
            writer.Line($"{_accumulator} sum = 0;");
            using (ChannelLoop(writer))
            {
                writer.Line($"sum += {Widen("x[index]")};");
            }

            writer.Line($"{_accumulator} mean = global::NormGen.Gpu.GpuReductions.GroupSum(sum, shared) / count;");
            writer.Line($"{_accumulator} squares = 0;");
            using (ChannelLoop(writer))
            {
                writer.Line($"{_accumulator} deviation = {Widen("x[index]")} - mean;");
                writer.Line("squares += deviation * deviation;");
            }

            writer.Line($"{_accumulator} m2 = global::NormGen.Gpu.GpuReductions.GroupSum(squares, shared);");
            writer.Line($"{_accumulator} rstd = 1 / {Sqrt}(m2 / count + Epsilon);");
            using (writer.Block("if (lane == 0)"))
            {
                writer.Line("if (saveMean.Length != 0) saveMean[c] = mean;");
                writer.Line("if (saveRstd.Length != 0) saveRstd[c] = rstd;");
                if (Track)
                {
                    writer.Line($"runningMean[c] = {Narrow($"momentum * mean + (1 - momentum) * {Widen("runningMean[c]")}")};");
                    writer.Line($"runningVar[c] = {Narrow($"momentum * (m2 / (count - 1)) + (1 - momentum) * {Widen("runningVar[c]")}")};");
                }
            }

            writer.Line($"{_accumulator} scale = {(Affine ? $"rstd * {Widen("w[c]")}" : "rstd")};");
            writer.Line($"{_accumulator} shift = {(Affine ? $"{Widen("b[c]")} - mean * scale" : "-mean * scale")};");
            using (ChannelLoop(writer))
            {
                writer.Line($"y[index] = {Narrow(Activated ? $"Activate({Widen("x[index]")} * scale + shift)" : $"{Widen("x[index]")} * scale + shift")};");
            }
        }
    }

    private void WriteEvalKernel(CodeWriter writer)
    {
        var parameters = new List<string> { $"{View} x" };
        if (Affine) parameters.AddRange([$"{View} w", $"{View} b"]);
        parameters.AddRange([$"{View} runningMean", $"{View} runningVar", $"{View} y", "long count"]);

        writer.Line("/// <summary>One group per channel: the running statistics and the affine parameters fold into one scale and shift.</summary>");
        using (writer.Block($"private static void EvalKernel({string.Join(", ", parameters)})"))
        {
            WriteChannelLayout(writer, _accumulator);
            writer.Line($"{_accumulator} scale = {(Affine ? $"{Widen("w[c]")} / {Sqrt}({Widen("runningVar[c]")} + Epsilon)" : $"1 / {Sqrt}({Widen("runningVar[c]")} + Epsilon)")};");
            writer.Line($"{_accumulator} shift = {(Affine ? $"{Widen("b[c]")} - {Widen("runningMean[c]")} * scale" : $"-{Widen("runningMean[c]")} * scale")};");
            using (ChannelLoop(writer))
            {
                writer.Line($"y[index] = {Narrow(Activated ? $"Activate({Widen("x[index]")} * scale + shift)" : $"{Widen("x[index]")} * scale + shift")};");
            }
        }
    }

    private void WriteBackwardKernel(CodeWriter writer)
    {
        var parameters = new List<string> { $"{View} dy", $"{View} x" };
        if (Affine) parameters.Add($"{View} w");
        if (Affine && Activated) parameters.Add($"{View} b");
        parameters.AddRange([$"{AccumulatorView} saveMean", $"{AccumulatorView} saveRstd", $"{View} dx"]);
        if (Affine) parameters.AddRange([$"{View} gradWeight", $"{View} gradBias"]);
        parameters.Add("long count");

        writer.Line("/// <summary>One group per channel: Σ dy and Σ dy·x̂ as group sums (the parameter gradients, without atomics), then the input gradient.</summary>");
        using (writer.Block($"private static void BackwardKernel({string.Join(", ", parameters)})"))
        {
            WriteChannelLayout(writer, _accumulator);
            writer.Line($"{_accumulator} mean = saveMean[c];");
            writer.Line($"{_accumulator} rstd = saveRstd[c];");
            writer.Line($"{_accumulator} sumDy = 0;");
            writer.Line($"{_accumulator} sumDyXhat = 0;");
            using (ChannelLoop(writer))
            {
                writer.Line($"{_accumulator} normalized = ({Widen("x[index]")} - mean) * rstd;");
                writer.Line($"{_accumulator} gradient = {Gradient()};");
                writer.Line("sumDy += gradient;");
                writer.Line("sumDyXhat += gradient * normalized;");
            }

            writer.Line("sumDy = global::NormGen.Gpu.GpuReductions.GroupSum(sumDy, shared);");
            writer.Line("sumDyXhat = global::NormGen.Gpu.GpuReductions.GroupSum(sumDyXhat, shared);");
            if (Affine)
            {
                using (writer.Block("if (lane == 0)"))
                {
                    writer.Line($"if (gradWeight.Length != 0) gradWeight[c] = {Narrow("sumDyXhat")};");
                    writer.Line($"if (gradBias.Length != 0) gradBias[c] = {Narrow("sumDy")};");
                }
            }

            writer.Line("if (count == 0) return;");
            writer.Line($"{_accumulator} scale = {(Affine ? $"{Widen("w[c]")} * rstd" : "rstd")};");
            writer.Line($"{_accumulator} meanDy = sumDy / count;");
            writer.Line($"{_accumulator} meanDyXhat = sumDyXhat / count;");
            using (ChannelLoop(writer))
            {
                writer.Line($"{_accumulator} normalized = ({Widen("x[index]")} - mean) * rstd;");
                writer.Line($"dx[index] = {Narrow($"scale * ({Gradient()} - meanDy - normalized * meanDyXhat)")};");
            }
        }
    }

    private void WriteBackwardEvalKernel(CodeWriter writer)
    {
        var parameters = new List<string> { $"{View} dy", $"{View} x" };
        if (Affine) parameters.Add($"{View} w");
        if (Affine && Activated) parameters.Add($"{View} b");
        parameters.AddRange([$"{View} runningMean", $"{View} runningVar", $"{View} dx"]);
        if (Affine) parameters.AddRange([$"{View} gradWeight", $"{View} gradBias"]);
        parameters.Add("long count");

        writer.Line("/// <summary>One group per channel with the running statistics as constants: dx element-wise" + (Affine ? ", Σ dy and Σ dy·x̂ as group sums" : "") + ".</summary>");
        using (writer.Block($"private static void BackwardEvalKernel({string.Join(", ", parameters)})"))
        {
            WriteChannelLayout(writer, _accumulator);
            writer.Line($"{_accumulator} mean = {Widen("runningMean[c]")};");
            writer.Line($"{_accumulator} rstd = 1 / {Sqrt}({Widen("runningVar[c]")} + Epsilon);");
            writer.Line($"{_accumulator} scale = {(Affine ? $"{Widen("w[c]")} * rstd" : "rstd")};");
            if (Affine)
            {
                writer.Line($"{_accumulator} sumDy = 0;");
                writer.Line($"{_accumulator} sumDyXhat = 0;");
            }

            using (ChannelLoop(writer))
            {
                writer.Line($"{_accumulator} normalized = ({Widen("x[index]")} - mean) * rstd;");
                writer.Line($"{_accumulator} gradient = {Gradient()};");
                writer.Line($"dx[index] = {Narrow("gradient * scale")};");
                if (Affine)
                {
                    writer.Line("sumDy += gradient;");
                    writer.Line("sumDyXhat += gradient * normalized;");
                }
            }

            if (Affine)
            {
                writer.Line("sumDy = global::NormGen.Gpu.GpuReductions.GroupSum(sumDy, shared);");
                writer.Line("sumDyXhat = global::NormGen.Gpu.GpuReductions.GroupSum(sumDyXhat, shared);");
                using (writer.Block("if (lane == 0)"))
                {
                    writer.Line($"if (gradWeight.Length != 0) gradWeight[c] = {Narrow("sumDyXhat")};");
                    writer.Line($"if (gradBias.Length != 0) gradBias[c] = {Narrow("sumDy")};");
                }
            }
        }
    }

    /// <summary>The gradient at the affine output: dy, through the activation, recomputed from the saved statistics, when one is fused.</summary>
    private string Gradient() => !Activated
        ? Widen("dy[index]")
        : $"ActivateBackward({(Affine ? $"normalized * {Widen("w[c]")} + {Widen("b[c]")}" : "normalized")}, {Widen("dy[index]")})";

    private string Widen(string value) => _norm.Element == ElementKind.Half ? $"(float){value}" : value;

    private string Narrow(string value) => _norm.Element == ElementKind.Half ? $"(global::ILGPU.Half)({value})" : value;

    private string Literal(double value) => _accumulator == "double"
        ? value.ToString("R", CultureInfo.InvariantCulture) + "d"
        : ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";
}
