using System.Collections.Generic;
using System.Globalization;
using NormGen.Generators.Helpers;
using NormGen.Generators.Model;

namespace NormGen.Generators.Emitting.Gpu;

/// <summary>
/// Writes the ILGPU kernels of a GroupNorm, or an InstanceNorm without running statistics (one group per channel),
/// specialized to the channels, groups, spatial extent, layout and epsilon: forward, backward (input gradient and
/// per-sample partial parameter gradients), and the column reduction of the partials over the batch.
/// </summary>
/// <remarks>
/// One group of threads normalizes one (sample, group) row of <c>ChannelsPerGroup × Spatial</c> elements, walking
/// it channel by channel so each thread loads a channel's γ and β once. All sums are deterministic group sums.
/// </remarks>
internal sealed class GpuGroupNormEmitter
{
    private readonly NormSpec _norm;
    private readonly string _element;
    private readonly string _accumulator;

    private GpuGroupNormEmitter(NormSpec norm)
    {
        _norm = norm;
        _element = GpuSupport.ElementType(norm);
        _accumulator = GpuSupport.AccumulatorType(norm);
    }

    private bool Affine => _norm.HasWeight;

    /// <summary>Whether an activation is fused after the affine step.</summary>
    private bool Activated => _norm.Activation != ActivationKind.None;

    /// <summary>InstanceNorm with running statistics: training and evaluation forwards beside the batch-statistics one.</summary>
    private bool Track => _norm.TrackRunningStats;

    private bool NeedsWorkspace => Affine || Track;

    private bool ChannelsLast => _norm.Geometry.Kind == GeometryKind.ChannelsLast;

    private string View => $"global::ILGPU.ArrayView<{_element}>";

    private string AccumulatorView => $"global::ILGPU.ArrayView<{_accumulator}>";

    private string Sqrt => _accumulator == "double" ? "global::System.Math.Sqrt" : "global::System.MathF.Sqrt";

    public static void Emit(CodeWriter writer, NormSpec norm) => new GpuGroupNormEmitter(norm).Emit(writer);

    private void Emit(CodeWriter writer)
    {
        NormGeometry geometry = _norm.Geometry;
        string name = _norm.Kind == NormKind.InstanceNorm ? "InstanceNorm" : "GroupNorm";
        string element = _norm.Element switch { ElementKind.Double => "double", ElementKind.Half => "Half (float arithmetic)", _ => "float" };
        writer.Line("/// <summary>");
        writer.Line($"/// ILGPU kernels of {name} <c>{_norm.Name}</c>: {geometry.Channels} channels in {geometry.Groups} groups × {geometry.Spatial} spatial {element} elements per sample");
        writer.Line($"/// ({(ChannelsLast ? "channels-last" : "channels-first")}), eps = {_norm.Epsilon.ToString("R", CultureInfo.InvariantCulture)}, {(Affine ? "with per-channel weight (γ) and bias (β)" : "without affine parameters")}.");
        writer.Line($"/// The same computation as <see cref=\"{_norm.KernelName}\"/>, on an accelerator; one group of threads per (sample, group).");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>Kernels are compiled once per accelerator and cached; results are bitwise reproducible on a given device.</remarks>");
        writer.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"{Parsing.KnownNames.GeneratorTool}\", \"{typeof(GpuGroupNormEmitter).Assembly.GetName().Version}\")]");
        using (writer.Block($"public static class {GpuSupport.TypeName(_norm)}"))
        {
            WriteConstants(writer);
            writer.Line();
            WriteForward(writer);
            writer.Line();
            WriteBackward(writer);
            writer.Line();
            WriteCache(writer);
            writer.Line();
            WriteForwardKernel(writer);
            writer.Line();
            WriteBackwardKernel(writer);
            if (Track)
            {
                writer.Line();
                WriteEvalKernel(writer);
                writer.Line();
                WriteUpdateKernel(writer);
            }

            if (Affine)
            {
                writer.Line();
                WriteColumnKernel(writer);
            }

            if (Activated)
            {
                writer.Line();
                GpuSupport.WriteActivation(writer, _accumulator, _norm.Activation);
            }
        }
    }

    private void WriteConstants(CodeWriter writer)
    {
        NormGeometry geometry = _norm.Geometry;
        writer.Line("/// <summary>The number of channels.</summary>");
        writer.Line($"public const int Channels = {geometry.Channels};");
        writer.Line();
        writer.Line("/// <summary>The number of groups the channels are split into.</summary>");
        writer.Line($"public const int Groups = {geometry.Groups};");
        writer.Line();
        writer.Line("/// <summary>Channels in one group.</summary>");
        writer.Line("public const int ChannelsPerGroup = Channels / Groups;");
        writer.Line();
        writer.Line("/// <summary>Elements of one channel in one sample: the product of the spatial extents.</summary>");
        writer.Line($"public const int Spatial = {geometry.Spatial};");
        writer.Line();
        writer.Line("/// <summary>Elements of one sample.</summary>");
        writer.Line("public const int SampleLength = Channels * Spatial;");
        writer.Line();
        writer.Line("/// <summary>The epsilon added under the square root.</summary>");
        writer.Line($"public const {_accumulator} Epsilon = {Literal(_norm.Epsilon)};");
        if (Track)
        {
            writer.Line();
            writer.Line("/// <summary>The running statistics' momentum: <c>running = (1 - m)·running + m·batch</c>, averaged over the samples.</summary>");
            writer.Line($"public const double Momentum = {_norm.Momentum.ToString("R", CultureInfo.InvariantCulture)};");
        }

        if (NeedsWorkspace)
        {
            writer.Line();
            writer.Line("/// <summary>");
            writer.Line("/// The elements of scratch memory " + (Affine && Track ? "<c>Backward</c> (per-sample sums of dγ and dβ) and <c>ForwardTraining</c> (per-sample moments)" : Affine ? "<c>Backward</c> needs: per-sample sums of dγ and dβ" : "<c>ForwardTraining</c> needs: per-sample moments"));
            writer.Line("/// need for <paramref name=\"batch\"/> samples.");
            writer.Line("/// </summary>");
            writer.Line("public static long WorkspaceLength(int batch) => 2L * global::System.Math.Max(batch, 0) * Channels;");
        }
    }

    private void WriteForward(CodeWriter writer)
    {
        WriteForwardMethod(writer, training: false);
        if (Track)
        {
            writer.Line();
            WriteForwardMethod(writer, training: true);
            writer.Line();
            WriteEval(writer);
        }
    }

    /// <summary>The batch-statistics forward, or (<paramref name="training"/>) the one that also updates the running statistics.</summary>
    private void WriteForwardMethod(CodeWriter writer, bool training)
    {
        var parameters = new List<string> { "global::ILGPU.Runtime.AcceleratorStream stream", $"{View} input" };
        if (Affine) parameters.AddRange([$"{View} weight", $"{View} bias"]);
        parameters.Add($"{View} output");
        if (training) parameters.AddRange([$"{View} runningMean", $"{View} runningVar"]);
        parameters.AddRange([$"{AccumulatorView} mean", $"{AccumulatorView} rstd"]);
        if (training) parameters.Add($"{AccumulatorView} workspace");

        writer.Line("/// <summary>");
        writer.Line("/// Queues the normalization of every (sample, group) of <paramref name=\"input\"/> into <paramref name=\"output\"/> (which may be the same view),");
        writer.Line("/// saving each one's mean and reciprocal standard deviation (sample-major, one per sample and group) for <c>Backward</c>; pass empty views to skip them.");
        if (training)
        {
            writer.Line("/// Then updates the running statistics with the average over the samples of <c>(1 - m)·running + m·statistic</c> (the unbiased variance),");
            writer.Line("/// from per-sample moments kept in <paramref name=\"workspace\"/> (at least <see cref=\"WorkspaceLength\"/> elements, owned by the caller).");
        }

        writer.Line("/// </summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A view's length does not fit the shape" + (training ? ", or an instance has a single value" : "") + ".</exception>");
        using (writer.Block($"public static void {(training ? "ForwardTraining" : "Forward")}({string.Join(", ", parameters)})"))
        {
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireStream(stream, nameof(stream));");
            writer.Line("int batch = global::NormGen.Gpu.GpuArguments.RowCount(input.Length, SampleLength, nameof(input));");
            if (Affine)
            {
                writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(weight.Length, Channels, nameof(weight));");
                writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(bias.Length, Channels, nameof(bias));");
            }

            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(output.Length, input.Length, nameof(output));");
            if (training)
            {
                writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(runningMean.Length, Channels, nameof(runningMean));");
                writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(runningVar.Length, Channels, nameof(runningVar));");
            }

            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(mean.Length, (long)batch * Groups, nameof(mean));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(rstd.Length, (long)batch * Groups, nameof(rstd));");
            if (training)
            {
                writer.Line("global::NormGen.Gpu.GpuArguments.RequireAtLeast(workspace.Length, WorkspaceLength(batch), nameof(workspace));");
                using (writer.Block("if (batch > 0 && ChannelsPerGroup * Spatial < 2)"))
                {
                    writer.Line("throw new global::System.ArgumentException(\"Each instance needs more than one value for the unbiased variance of the running statistics.\", nameof(input));");
                }
            }

            writer.Line("if (batch == 0) return;");
            writer.Line();
            WriteLaunchSetup(writer, "batch * Groups");
            var arguments = new List<string> { "stream", "config", "input" };
            if (Affine) arguments.AddRange(["weight", "bias"]);
            arguments.AddRange(["output", "mean", "rstd"]);
            if (Track) arguments.Add(training ? "workspace" : "default");
            writer.Line($"kernels.Forward({string.Join(", ", arguments)});");
            if (training)
            {
                writer.Line("int updateGroupSize = global::NormGen.Gpu.GpuAccelerators.GroupSize(accelerator, 256);");
                writer.Line("kernels.UpdateRunning(stream, new global::ILGPU.KernelConfig((Channels + updateGroupSize - 1) / updateGroupSize, updateGroupSize), workspace, runningMean, runningVar, batch);");
            }
        }
    }

    private void WriteEval(CodeWriter writer)
    {
        var parameters = new List<string> { "global::ILGPU.Runtime.AcceleratorStream stream", $"{View} input" };
        if (Affine) parameters.AddRange([$"{View} weight", $"{View} bias"]);
        parameters.AddRange([$"{View} runningMean", $"{View} runningVar", $"{View} output"]);
        writer.Line("/// <summary>Queues the evaluation-mode forward: normalizes every channel with its running statistics into <paramref name=\"output\"/> (which may be the same view).</summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A view's length does not fit the shape.</exception>");
        using (writer.Block($"public static void ForwardEval({string.Join(", ", parameters)})"))
        {
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireStream(stream, nameof(stream));");
            writer.Line("int batch = global::NormGen.Gpu.GpuArguments.RowCount(input.Length, SampleLength, nameof(input));");
            if (Affine)
            {
                writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(weight.Length, Channels, nameof(weight));");
                writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(bias.Length, Channels, nameof(bias));");
            }

            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(runningMean.Length, Channels, nameof(runningMean));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(runningVar.Length, Channels, nameof(runningVar));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(output.Length, input.Length, nameof(output));");
            writer.Line("if (batch == 0) return;");
            writer.Line();
            WriteLaunchSetup(writer, "batch * Groups");
            var arguments = new List<string> { "stream", "config", "input" };
            if (Affine) arguments.AddRange(["weight", "bias"]);
            arguments.AddRange(["runningMean", "runningVar", "output"]);
            writer.Line($"kernels.Eval({string.Join(", ", arguments)});");
        }
    }

    private void WriteBackward(CodeWriter writer)
    {
        var parameters = new List<string> { "global::ILGPU.Runtime.AcceleratorStream stream", $"{View} gradOutput", $"{View} input" };
        if (Affine) parameters.Add($"{View} weight");
        if (Affine && Activated) parameters.Add($"{View} bias");
        parameters.AddRange([$"{AccumulatorView} mean", $"{AccumulatorView} rstd", $"{View} gradInput"]);
        if (Affine) parameters.AddRange([$"{View} gradWeight", $"{View} gradBias", $"{AccumulatorView} workspace"]);

        writer.Line("/// <summary>");
        writer.Line("/// Queues back-propagation through the norm with the statistics saved by <c>Forward</c>: writes the input gradient"
            + (Affine ? " and (over)writes" : "."));
        if (Affine)
        {
            writer.Line("/// the weight and bias gradients, summed without atomics in two stages: per-sample partials in <paramref name=\"workspace\"/>");
            writer.Line("/// (at least <see cref=\"WorkspaceLength\"/> elements, owned by the caller), then a reduction over the batch in sample order.");
        }

        writer.Line("/// </summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A view's length does not fit the shape.</exception>");
        using (writer.Block($"public static void Backward({string.Join(", ", parameters)})"))
        {
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireStream(stream, nameof(stream));");
            writer.Line("int batch = global::NormGen.Gpu.GpuArguments.RowCount(input.Length, SampleLength, nameof(input));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(gradOutput.Length, input.Length, nameof(gradOutput));");
            if (Affine) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(weight.Length, Channels, nameof(weight));");
            if (Affine && Activated) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(bias.Length, Channels, nameof(bias));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(mean.Length, (long)batch * Groups, nameof(mean));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(rstd.Length, (long)batch * Groups, nameof(rstd));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(gradInput.Length, input.Length, nameof(gradInput));");
            if (Affine)
            {
                writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(gradWeight.Length, Channels, nameof(gradWeight));");
                writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(gradBias.Length, Channels, nameof(gradBias));");
                writer.Line("global::NormGen.Gpu.GpuArguments.RequireAtLeast(workspace.Length, WorkspaceLength(batch), nameof(workspace));");
            }

            writer.Line();
            WriteLaunchSetup(writer, "global::System.Math.Max(batch * Groups, 1)");
            var arguments = new List<string> { "stream", "config", "gradOutput", "input" };
            if (Affine) arguments.Add("weight");
            if (Affine && Activated) arguments.Add("bias");
            arguments.AddRange(["mean", "rstd", "gradInput"]);
            if (Affine) arguments.Add("workspace");
            arguments.Add("batch");
            writer.Line("// An empty batch still launches (one idle group): the parameter gradients are sums over no samples, zero.");
            writer.Line($"kernels.Backward({string.Join(", ", arguments)});");
            if (Affine)
            {
                writer.Line("int columnGroupSize = global::NormGen.Gpu.GpuAccelerators.GroupSize(accelerator, 256);");
                writer.Line("kernels.ParameterGradients(stream, new global::ILGPU.KernelConfig((Channels + columnGroupSize - 1) / columnGroupSize, columnGroupSize), workspace, gradWeight, gradBias, batch);");
            }
        }
    }

    private void WriteLaunchSetup(CodeWriter writer, string groups)
    {
        writer.Line("global::ILGPU.Runtime.Accelerator accelerator = stream.Accelerator;");
        writer.Line("Kernels kernels = KernelCache.GetValue(accelerator, static a => new Kernels(a));");
        writer.Line($"var config = new global::ILGPU.KernelConfig({groups}, global::NormGen.Gpu.GpuAccelerators.GroupSize(accelerator, 256), global::ILGPU.SharedMemoryConfig.RequestDynamic<{_accumulator}>(global::NormGen.Gpu.GpuReductions.MaxWarpsPerGroup));");
    }

    private void WriteCache(CodeWriter writer)
    {
        var forward = new List<string> { View };
        if (Affine) forward.AddRange([View, View]);
        forward.AddRange([View, AccumulatorView, AccumulatorView]);
        if (Track) forward.Add(AccumulatorView);

        var eval = new List<string> { View };
        if (Affine) eval.AddRange([View, View]);
        eval.AddRange([View, View, View]);
        var update = new List<string> { AccumulatorView, View, View, "int" };

        var backward = new List<string> { View, View };
        if (Affine) backward.Add(View);
        if (Affine && Activated) backward.Add(View);
        backward.AddRange([AccumulatorView, AccumulatorView, View]);
        if (Affine) backward.Add(AccumulatorView);
        backward.Add("int");

        var columns = new List<string> { AccumulatorView, View, View, "int" };

        const string Launcher = "global::System.Action<global::ILGPU.Runtime.AcceleratorStream, global::ILGPU.KernelConfig, ";
        writer.Line("private static readonly global::System.Runtime.CompilerServices.ConditionalWeakTable<global::ILGPU.Runtime.Accelerator, Kernels> KernelCache = new();");
        writer.Line();
        writer.Line("/// <summary>The kernels compiled for one accelerator.</summary>");
        using (writer.Block("private sealed class Kernels"))
        {
            writer.Line($"public readonly {Launcher}{string.Join(", ", forward)}> Forward;");
            if (Track)
            {
                writer.Line($"public readonly {Launcher}{string.Join(", ", eval)}> Eval;");
                writer.Line($"public readonly {Launcher}{string.Join(", ", update)}> UpdateRunning;");
            }

            writer.Line($"public readonly {Launcher}{string.Join(", ", backward)}> Backward;");
            if (Affine) writer.Line($"public readonly {Launcher}{string.Join(", ", columns)}> ParameterGradients;");
            writer.Line();
            using (writer.Block("public Kernels(global::ILGPU.Runtime.Accelerator accelerator)"))
            {
                writer.Line($"Forward = global::ILGPU.Runtime.KernelLoaders.LoadKernel<{string.Join(", ", forward)}>(accelerator, ForwardKernel);");
                if (Track)
                {
                    writer.Line($"Eval = global::ILGPU.Runtime.KernelLoaders.LoadKernel<{string.Join(", ", eval)}>(accelerator, EvalKernel);");
                    writer.Line($"UpdateRunning = global::ILGPU.Runtime.KernelLoaders.LoadKernel<{string.Join(", ", update)}>(accelerator, UpdateRunningKernel);");
                }

                writer.Line($"Backward = global::ILGPU.Runtime.KernelLoaders.LoadKernel<{string.Join(", ", backward)}>(accelerator, BackwardKernel);");
                if (Affine) writer.Line($"ParameterGradients = global::ILGPU.Runtime.KernelLoaders.LoadKernel<{string.Join(", ", columns)}>(accelerator, ParameterGradientKernel);");
            }
        }
    }

    private void WriteRowLayout(CodeWriter writer)
    {
        writer.Line($"{AccumulatorView} shared = global::ILGPU.SharedMemory.GetDynamic<{_accumulator}>();");
        writer.Line("int row = global::ILGPU.Grid.IdxX;");
        writer.Line("int lane = global::ILGPU.Group.IdxX;");
        writer.Line("int width = global::ILGPU.Group.DimX;");
        writer.Line("int sample = row / Groups;");
        writer.Line("int firstChannel = (row - sample * Groups) * ChannelsPerGroup;");
        writer.Line("long sampleOffset = (long)sample * SampleLength;");
    }

    /// <summary>Opens the loops over the row, channel by channel, declaring <c>c</c> (the channel) and <c>index</c>.</summary>
    private void WriteRowLoops(CodeWriter writer, System.Action<CodeWriter> perChannel, System.Action<CodeWriter> perElement, System.Action<CodeWriter>? afterChannel = null)
    {
        using (writer.Block("for (int c = firstChannel; c < firstChannel + ChannelsPerGroup; c++)"))
        {
            perChannel(writer);
            using (writer.Block("for (int s = lane; s < Spatial; s += width)"))
            {
                writer.Line(ChannelsLast
                    ? "long index = sampleOffset + (long)s * Channels + c;"
                    : "long index = sampleOffset + (long)c * Spatial + s;");
                perElement(writer);
            }

            afterChannel?.Invoke(writer);
        }
    }

    private void WriteForwardKernel(CodeWriter writer)
    {
        var parameters = new List<string> { $"{View} x" };
        if (Affine) parameters.AddRange([$"{View} w", $"{View} b"]);
        parameters.AddRange([$"{View} y", $"{AccumulatorView} meanOut", $"{AccumulatorView} rstdOut"]);
        if (Track) parameters.Add($"{AccumulatorView} momentsOut");

        writer.Line("/// <summary>One group per (sample, group): the mean, the variance of the deviations (two passes), then the per-channel affine normalization.</summary>");
        using (writer.Block($"private static void ForwardKernel({string.Join(", ", parameters)})"))
        {
            WriteRowLayout(writer);
            writer.Line($"{_accumulator} sum = 0;");
            WriteRowLoops(writer, _ => { }, w => w.Line($"sum += {Widen("x[index]")};"));
            writer.Line($"{_accumulator} mean = global::NormGen.Gpu.GpuReductions.GroupSum(sum, shared) / (ChannelsPerGroup * Spatial);");
            writer.Line($"{_accumulator} squares = 0;");
            WriteRowLoops(writer, _ => { }, w =>
            {
                w.Line($"{_accumulator} deviation = {Widen("x[index]")} - mean;");
                w.Line("squares += deviation * deviation;");
            });
            writer.Line($"{_accumulator} m2 = global::NormGen.Gpu.GpuReductions.GroupSum(squares, shared);");
            writer.Line($"{_accumulator} rstd = 1 / {Sqrt}(m2 / (ChannelsPerGroup * Spatial) + Epsilon);");
            using (writer.Block("if (lane == 0)"))
            {
                writer.Line("if (meanOut.Length != 0) meanOut[row] = mean;");
                writer.Line("if (rstdOut.Length != 0) rstdOut[row] = rstd;");
                if (Track)
                {
                    writer.Line("// Per-sample moments for the running statistics: means, then sums of squared deviations.");
                    using (writer.Block("if (momentsOut.Length != 0)"))
                    {
                        writer.Line("momentsOut[row] = mean;");
                        writer.Line("momentsOut[(long)global::ILGPU.Grid.DimX + row] = m2;");
                    }
                }
            }

            WriteRowLoops(writer,
                w =>
                {
                    w.Line($"{_accumulator} scale = {(Affine ? $"rstd * {Widen("w[c]")}" : "rstd")};");
                    w.Line($"{_accumulator} shift = {(Affine ? $"{Widen("b[c]")} - mean * scale" : "-mean * scale")};");
                },
                w => w.Line($"y[index] = {Narrow(Activated ? $"Activate({Widen("x[index]")} * scale + shift)" : $"{Widen("x[index]")} * scale + shift")};"));
        }
    }

    private void WriteEvalKernel(CodeWriter writer)
    {
        var parameters = new List<string> { $"{View} x" };
        if (Affine) parameters.AddRange([$"{View} w", $"{View} b"]);
        parameters.AddRange([$"{View} runningMean", $"{View} runningVar", $"{View} y"]);

        writer.Line("/// <summary>One group per (sample, channel): the running statistics and the affine parameters fold into one scale and shift.</summary>");
        using (writer.Block($"private static void EvalKernel({string.Join(", ", parameters)})"))
        {
            WriteRowLayout(writer);
            WriteRowLoops(writer,
                w =>
                {
                    w.Line($"{_accumulator} scale = {(Affine ? $"{Widen("w[c]")} / {Sqrt}({Widen("runningVar[c]")} + Epsilon)" : $"1 / {Sqrt}({Widen("runningVar[c]")} + Epsilon)")};");
                    w.Line($"{_accumulator} shift = {(Affine ? $"{Widen("b[c]")} - {Widen("runningMean[c]")} * scale" : $"-{Widen("runningMean[c]")} * scale")};");
                },
                w => w.Line($"y[index] = {Narrow(Activated ? $"Activate({Widen("x[index]")} * scale + shift)" : $"{Widen("x[index]")} * scale + shift")};"));
        }
    }

    private void WriteUpdateKernel(CodeWriter writer)
    {
        writer.Line("/// <summary>One thread per channel: the running statistics from the per-sample moments, summed in sample order (as the CPU kernel does).</summary>");
        using (writer.Block($"private static void UpdateRunningKernel({AccumulatorView} moments, {View} runningMean, {View} runningVar, int batch)"))
        {
            writer.Line("int c = global::ILGPU.Grid.IdxX * global::ILGPU.Group.DimX + global::ILGPU.Group.IdxX;");
            writer.Line("if (c >= Channels) return;");
            writer.Line($"{_accumulator} momentum = ({_accumulator})Momentum;");
            writer.Line($"{_accumulator} keptMean = (1 - momentum) * {Widen("runningMean[c]")}, keptVar = (1 - momentum) * {Widen("runningVar[c]")};");
            writer.Line($"{_accumulator} meanSum = 0, varSum = 0;");
            using (writer.Block("for (int n = 0; n < batch; n++)"))
            {
                writer.Line("long row = (long)n * Channels + c;");
                writer.Line("meanSum += momentum * moments[row] + keptMean;");
                writer.Line("varSum += momentum * (moments[(long)batch * Channels + row] / (ChannelsPerGroup * Spatial - 1)) + keptVar;");
            }

            writer.Line($"runningMean[c] = {Narrow("meanSum / batch")};");
            writer.Line($"runningVar[c] = {Narrow("varSum / batch")};");
        }
    }

    private void WriteBackwardKernel(CodeWriter writer)
    {
        var parameters = new List<string> { $"{View} dy", $"{View} x" };
        if (Affine) parameters.Add($"{View} w");
        if (Affine && Activated) parameters.Add($"{View} b");
        parameters.AddRange([$"{AccumulatorView} meanIn", $"{AccumulatorView} rstdIn", $"{View} dx"]);
        if (Affine) parameters.Add($"{AccumulatorView} partials");
        parameters.Add("int batch");

        writer.Line("/// <summary>");
        writer.Line("/// One group per (sample, group): Σ g and Σ g·x̂ over the row (g = dy·γ) for the input gradient"
            + (Affine ? ", and each channel's Σ dy·x̂ and Σ dy" : "") + ",");
        writer.Line(Affine ? "/// written to the sample's partial row; then dx = rstd·(g - mean(g) - x̂·mean(g·x̂))." : "/// then dx = rstd·(g - mean(g) - x̂·mean(g·x̂)).");
        writer.Line("/// </summary>");
        using (writer.Block($"private static void BackwardKernel({string.Join(", ", parameters)})"))
        {
            WriteRowLayout(writer);
            writer.Line("if (sample >= batch) return;");
            writer.Line($"{_accumulator} mean = meanIn[row];");
            writer.Line($"{_accumulator} rstd = rstdIn[row];");
            writer.Line($"{_accumulator} sumG = 0;");
            writer.Line($"{_accumulator} sumGX = 0;");
            WriteRowLoops(writer,
                w =>
                {
                    w.Line($"{_accumulator} gamma = {(Affine ? Widen("w[c]") : "1")};");
                    if (Activated) w.Line($"{_accumulator} beta = {(Affine ? Widen("b[c]") : "0")};");
                    w.Line($"{_accumulator} channelDy = 0;");
                    w.Line($"{_accumulator} channelDyX = 0;");
                },
                w =>
                {
                    w.Line($"{_accumulator} normalized = ({Widen("x[index]")} - mean) * rstd;");
                    w.Line($"{_accumulator} gradient = {Gradient()};");
                    w.Line("channelDy += gradient;");
                    w.Line("channelDyX += gradient * normalized;");
                },
                w =>
                {
                    w.Line("sumG += gamma * channelDy;");
                    w.Line("sumGX += gamma * channelDyX;");
                    if (Affine)
                    {
                        w.Line("// The channel's own sums, for its parameter gradients: every thread takes part in the group sums.");
                        w.Line("channelDyX = global::NormGen.Gpu.GpuReductions.GroupSum(channelDyX, shared);");
                        w.Line("channelDy = global::NormGen.Gpu.GpuReductions.GroupSum(channelDy, shared);");
                        using (w.Block("if (lane == 0)"))
                        {
                            w.Line("partials[(long)sample * Channels + c] = channelDyX;");
                            w.Line("partials[((long)batch + sample) * Channels + c] = channelDy;");
                        }
                    }
                });
            writer.Line($"{_accumulator} meanG = global::NormGen.Gpu.GpuReductions.GroupSum(sumG, shared) / (ChannelsPerGroup * Spatial);");
            writer.Line($"{_accumulator} meanGX = global::NormGen.Gpu.GpuReductions.GroupSum(sumGX, shared) / (ChannelsPerGroup * Spatial);");
            WriteRowLoops(writer,
                w =>
                {
                    w.Line($"{_accumulator} gamma = {(Affine ? Widen("w[c]") : "1")};");
                    if (Activated) w.Line($"{_accumulator} beta = {(Affine ? Widen("b[c]") : "0")};");
                },
                w =>
                {
                    w.Line($"{_accumulator} normalized = ({Widen("x[index]")} - mean) * rstd;");
                    w.Line($"dx[index] = {Narrow($"rstd * (gamma * {Gradient()} - meanG - normalized * meanGX)")};");
                });
        }
    }

    private void WriteColumnKernel(CodeWriter writer)
    {
        writer.Line("/// <summary>Sums the per-sample partials over the batch, in sample order: one thread per channel.</summary>");
        using (writer.Block($"private static void ParameterGradientKernel({AccumulatorView} partials, {View} gradWeight, {View} gradBias, int batch)"))
        {
            writer.Line("int c = global::ILGPU.Grid.IdxX * global::ILGPU.Group.DimX + global::ILGPU.Group.IdxX;");
            writer.Line("if (c >= Channels) return;");
            writer.Line($"{_accumulator} weightSum = 0;");
            writer.Line($"{_accumulator} biasSum = 0;");
            using (writer.Block("for (int sample = 0; sample < batch; sample++)"))
            {
                writer.Line("weightSum += partials[(long)sample * Channels + c];");
                writer.Line("biasSum += partials[((long)batch + sample) * Channels + c];");
            }

            writer.Line($"if (gradWeight.Length != 0) gradWeight[c] = {Narrow("weightSum")};");
            writer.Line($"if (gradBias.Length != 0) gradBias[c] = {Narrow("biasSum")};");
        }
    }

    /// <summary>The gradient at the affine output: dy, through the activation, recomputed from the saved statistics, when one is fused.</summary>
    private string Gradient() => Activated
        ? $"ActivateBackward(normalized * gamma + beta, {Widen("dy[index]")})"
        : Widen("dy[index]");

    private string Widen(string value) => _norm.Element == ElementKind.Half ? $"(float){value}" : value;

    private string Narrow(string value) => _norm.Element == ElementKind.Half ? $"(global::ILGPU.Half)({value})" : value;

    private string Literal(double value) => _accumulator == "double"
        ? value.ToString("R", CultureInfo.InvariantCulture) + "d"
        : ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";
}
