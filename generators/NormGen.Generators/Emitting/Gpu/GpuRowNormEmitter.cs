using System.Collections.Generic;
using System.Globalization;
using NormGen.Generators.Helpers;
using NormGen.Generators.Model;

namespace NormGen.Generators.Emitting.Gpu;

/// <summary>
/// Writes the ILGPU kernels of a LayerNorm or RMSNorm over contiguous rows, specialized to the row length,
/// epsilon and parameters: forward, backward (input gradient plus per-slot partial parameter gradients),
/// and the column reduction that folds the partials into the parameter gradients.
/// </summary>
/// <remarks>
/// Rows up to <see cref="WarpRowLimit"/> elements are normalized by one warp each (several rows per group,
/// warp shuffles only); longer rows by a whole group (warp shuffles, one shared slot per warp, barriers).
/// Every reduction runs in a fixed order and nothing is accumulated with atomics, so results are reproducible.
/// </remarks>
internal sealed class GpuRowNormEmitter
{
    /// <summary>Rows up to this many elements get a warp each; longer rows a group.</summary>
    private const int WarpRowLimit = 1024;

    private readonly NormSpec _norm;
    private readonly bool _centered;
    private readonly bool _rowPerWarp;
    private readonly string _element;
    private readonly string _accumulator;
    private readonly int _accumulatorSize;
    private readonly int _parameterGradients;
    private readonly bool _residual;
    private readonly bool _inputBias;
    private readonly ActivationKind _activation;

    private GpuRowNormEmitter(NormSpec norm)
    {
        _norm = norm;
        _residual = norm.Residual;
        _inputBias = norm.InputBias;
        _activation = norm.Activation;
        _centered = norm.Kind == NormKind.LayerNorm;
        _rowPerWarp = norm.RowLength <= WarpRowLimit;
        _element = GpuSupport.ElementType(norm);
        _accumulator = GpuSupport.AccumulatorType(norm);
        _accumulatorSize = norm.Element == ElementKind.Double ? 8 : 4;
        _parameterGradients = (norm.HasWeight ? 1 : 0) + (HasBias ? 1 : 0) + (norm.InputBias ? 1 : 0);
    }

    private bool HasActivation => _activation != ActivationKind.None;

    /// <summary>Backward needs β only to recompute the activation's input.</summary>
    private bool BackwardTakesBias => HasActivation && HasBias;

    /// <summary>What backward normalizes: the input, or the residual sum that forward wrote.</summary>
    private string BackwardInputName => _residual ? "residualOutput" : "input";

    /// <summary>Backward reads the input bias only when there is no residual sum (which already holds it).</summary>
    private bool BackwardTakesInputBias => _inputBias && !_residual;

    private bool HasBias => _centered && _norm.HasBias;

    private bool HasParameterGradients => _parameterGradients > 0;

    private string View => $"global::ILGPU.ArrayView<{_element}>";

    private string AccumulatorView => $"global::ILGPU.ArrayView<{_accumulator}>";

    private string Sqrt => _accumulator == "double" ? "global::System.Math.Sqrt" : "global::System.MathF.Sqrt";

    private string Reduce => _rowPerWarp ? "global::NormGen.Gpu.GpuReductions.WarpSum({0})" : "global::NormGen.Gpu.GpuReductions.GroupSum({0}, shared)";

    public static void Emit(CodeWriter writer, NormSpec norm) => new GpuRowNormEmitter(norm).Emit(writer);

    private void Emit(CodeWriter writer)
    {
        string name = _centered ? "LayerNorm" : "RMSNorm";
        string element = _norm.Element switch { ElementKind.Double => "double", ElementKind.Half => "Half (float arithmetic)", _ => "float" };
        writer.Line("/// <summary>");
        writer.Line($"/// ILGPU kernels of {name} <c>{_norm.Name}</c>: rows of {_norm.RowLength} {element} elements, eps = {_norm.Epsilon.ToString("R", CultureInfo.InvariantCulture)}{ParametersPhrase()},");
        writer.Line($"/// normalized by {(_rowPerWarp ? "one warp per row" : "one group per row")}. The same computation as <see cref=\"{_norm.KernelName}\"/>, on an accelerator.");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>");
        writer.Line("/// Kernels are compiled once per accelerator and cached. Launches are queued on the given stream and read and write");
        writer.Line("/// only the views passed in; results are bitwise reproducible on a given device.");
        writer.Line("/// </remarks>");
        writer.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"{Parsing.KnownNames.GeneratorTool}\", \"{typeof(GpuRowNormEmitter).Assembly.GetName().Version}\")]");
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
            if (HasParameterGradients)
            {
                writer.Line();
                WriteColumnKernel(writer);
            }
        }
    }

    private string ParametersPhrase() => (_norm.HasWeight, HasBias) switch
    {
        (true, true) => ", with weight (γ) and bias (β)",
        (true, false) => ", with weight (γ)",
        _ => ", without affine parameters",
    };

    private void WriteConstants(CodeWriter writer)
    {
        writer.Line("/// <summary>Elements in one normalized row.</summary>");
        writer.Line($"public const int RowLength = {_norm.RowLength};");
        writer.Line();
        writer.Line("/// <summary>The epsilon added under the square root.</summary>");
        writer.Line($"public const {_accumulator} Epsilon = {Literal(_norm.Epsilon)};");
        if (HasParameterGradients)
        {
            writer.Line();
            writer.Line("/// <summary>The most partial rows of parameter gradients a backward pass writes: fixed, so the summation order depends on the shape alone.</summary>");
            writer.Line($"public const int PartialRowLimit = {(_rowPerWarp ? 2048 : 1024)};");
            writer.Line();
            writer.Line("/// <summary>Elements of one partial row: one row-length run per parameter gradient.</summary>");
            writer.Line($"private const int PartialWidth = {_parameterGradients} * RowLength;");
            writer.Line();
            writer.Line("/// <summary>The elements of scratch memory <c>Backward</c> needs for <paramref name=\"rows\"/> rows.</summary>");
            writer.Line("public static long WorkspaceLength(int rows) => (long)global::System.Math.Min(global::System.Math.Max(rows, 0), PartialRowLimit) * PartialWidth;");
        }
    }

    private void WriteForward(CodeWriter writer)
    {
        var parameters = new List<string> { "global::ILGPU.Runtime.AcceleratorStream stream", $"{View} input" };
        if (_inputBias) parameters.Add($"{View} inputBias");
        if (_residual) parameters.Add($"{View} residual");
        if (_norm.HasWeight) parameters.Add($"{View} weight");
        if (HasBias) parameters.Add($"{View} bias");
        parameters.Add($"{View} output");
        if (_residual) parameters.Add($"{View} residualOutput");
        if (_centered) parameters.Add($"{AccumulatorView} mean");
        parameters.Add($"{AccumulatorView} rstd");

        writer.Line("/// <summary>");
        writer.Line($"/// Queues the normalization of every row of <c>{PrologueFormula()}</c> into <paramref name=\"output\"/> (which may be the same view as the input)");
        writer.Line($"/// on <paramref name=\"stream\"/>, saving each row's {(_centered ? "mean and " : "")}reciprocal standard deviation for <c>Backward</c>.");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>");
        writer.Line("/// The statistics views hold one element per row; pass empty views to skip saving them.");
        if (_residual)
        {
            writer.Line("/// <paramref name=\"residualOutput\"/> receives the residual sum, which the norm normalizes: keep it for <c>Backward</c>, which takes it in place of the input.");
        }

        if (_norm.Element == ElementKind.Half && (_residual || _inputBias))
        {
            writer.Line("/// The sum in front of the norm is rounded to Half, as a separate Half add would round it.");
        }

        if (HasActivation)
        {
            writer.Line($"/// <paramref name=\"output\"/> holds the {ActivationName()} of the normalized, scaled and shifted row.");
        }

        writer.Line("/// </remarks>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A view's length does not fit the shape; an output must be the same view as an input or not overlap it.</exception>");
        using (writer.Block($"public static void Forward({string.Join(", ", parameters)})"))
        {
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireStream(stream, nameof(stream));");
            writer.Line("int rows = global::NormGen.Gpu.GpuArguments.RowCount(input.Length, RowLength, nameof(input));");
            if (_inputBias) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(inputBias.Length, RowLength, nameof(inputBias));");
            if (_residual) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(residual.Length, input.Length, nameof(residual));");
            if (_norm.HasWeight) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(weight.Length, RowLength, nameof(weight));");
            if (HasBias) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(bias.Length, RowLength, nameof(bias));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(output.Length, input.Length, nameof(output));");
            if (_residual) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(residualOutput.Length, input.Length, nameof(residualOutput));");
            if (_centered) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(mean.Length, rows, nameof(mean));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(rstd.Length, rows, nameof(rstd));");
            writer.Line("if (rows == 0) return;");
            writer.Line();
            writer.Line("global::ILGPU.Runtime.Accelerator accelerator = stream.Accelerator;");
            writer.Line("Kernels kernels = KernelCache.GetValue(accelerator, static a => new Kernels(a));");
            if (_rowPerWarp)
            {
                writer.Line("int groupSize = global::NormGen.Gpu.GpuAccelerators.GroupSize(accelerator, 128);");
                writer.Line("int rowsPerGroup = groupSize / accelerator.WarpSize;");
                writer.Line("int groups = (rows + rowsPerGroup - 1) / rowsPerGroup;");
                writer.Line("// Each warp keeps its row in shared memory between the passes when the group's rows fit.");
                writer.Line($"bool cacheRow = global::NormGen.Gpu.GpuAccelerators.FitsSharedMemory(accelerator, (long)rowsPerGroup * RowLength * {_accumulatorSize});");
                writer.Line("int sharedLength = cacheRow ? rowsPerGroup * RowLength : 1;");
            }
            else
            {
                writer.Line("int groupSize = global::NormGen.Gpu.GpuAccelerators.GroupSize(accelerator, 256);");
                writer.Line("int groups = rows;");
                writer.Line("// The group keeps its row in shared memory between the passes when it fits; otherwise the passes re-read it (from L2).");
                writer.Line($"bool cacheRow = global::NormGen.Gpu.GpuAccelerators.FitsSharedMemory(accelerator, (long)(global::NormGen.Gpu.GpuReductions.MaxWarpsPerGroup + RowLength) * {_accumulatorSize});");
                writer.Line("int sharedLength = global::NormGen.Gpu.GpuReductions.MaxWarpsPerGroup + (cacheRow ? RowLength : 0);");
            }

            var arguments = new List<string> { "stream", $"new global::ILGPU.KernelConfig(groups, groupSize, global::ILGPU.SharedMemoryConfig.RequestDynamic<{_accumulator}>(sharedLength))", "input" };
            if (_inputBias) arguments.Add("inputBias");
            if (_residual) arguments.Add("residual");
            if (_norm.HasWeight) arguments.Add("weight");
            if (HasBias) arguments.Add("bias");
            arguments.Add("output");
            if (_residual) arguments.Add("residualOutput");
            if (_centered) arguments.Add("mean");
            arguments.Add("rstd");
            arguments.Add("rows");
            arguments.Add("cacheRow ? 1 : 0");
            writer.Line($"kernels.Forward({string.Join(", ", arguments)});");
        }
    }

    private void WriteBackward(CodeWriter writer)
    {
        var parameters = new List<string> { "global::ILGPU.Runtime.AcceleratorStream stream", $"{View} gradOutput", $"{View} {BackwardInputName}" };
        if (BackwardTakesInputBias) parameters.Add($"{View} inputBias");
        if (_norm.HasWeight) parameters.Add($"{View} weight");
        if (BackwardTakesBias) parameters.Add($"{View} bias");
        if (_centered) parameters.Add($"{AccumulatorView} mean");
        parameters.Add($"{AccumulatorView} rstd");
        parameters.Add($"{View} gradInput");
        if (_inputBias) parameters.Add($"{View} gradInputBias");
        if (_norm.HasWeight) parameters.Add($"{View} gradWeight");
        if (HasBias) parameters.Add($"{View} gradBias");
        if (HasParameterGradients) parameters.Add($"{AccumulatorView} workspace");

        writer.Line("/// <summary>");
        writer.Line("/// Queues back-propagation of <paramref name=\"gradOutput\"/> through the norm on <paramref name=\"stream\"/>: writes the input gradient");
        writer.Line(HasParameterGradients
            ? "/// and (over)writes the parameter gradients summed over all rows. Uses the statistics saved by <c>Forward</c>."
            : "/// from the statistics saved by <c>Forward</c>.");
        writer.Line("/// </summary>");
        if (HasParameterGradients)
        {
            writer.Line("/// <remarks>");
            writer.Line("/// Parameter gradients are summed in two stages without atomics: per-slot partial rows in <paramref name=\"workspace\"/>");
            writer.Line("/// (at least <see cref=\"WorkspaceLength\"/> elements, owned by the caller), then a column reduction in slot order.");
            writer.Line("/// Pass an empty view for a parameter gradient that is not needed.");
            WriteBackwardFusionRemarks(writer);
            writer.Line("/// </remarks>");
        }
        else if (_residual || HasActivation)
        {
            writer.Line("/// <remarks>");
            WriteBackwardFusionRemarks(writer);
            writer.Line("/// </remarks>");
        }

        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A view's length does not fit the shape; an output must be the same view as an input or not overlap it.</exception>");
        using (writer.Block($"public static void Backward({string.Join(", ", parameters)})"))
        {
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireStream(stream, nameof(stream));");
            writer.Line($"int rows = global::NormGen.Gpu.GpuArguments.RowCount({BackwardInputName}.Length, RowLength, nameof({BackwardInputName}));");
            writer.Line($"global::NormGen.Gpu.GpuArguments.RequireLength(gradOutput.Length, {BackwardInputName}.Length, nameof(gradOutput));");
            if (BackwardTakesInputBias) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(inputBias.Length, RowLength, nameof(inputBias));");
            if (_norm.HasWeight) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(weight.Length, RowLength, nameof(weight));");
            if (BackwardTakesBias) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(bias.Length, RowLength, nameof(bias));");
            if (_centered) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(mean.Length, rows, nameof(mean));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(rstd.Length, rows, nameof(rstd));");
            writer.Line($"global::NormGen.Gpu.GpuArguments.RequireLength(gradInput.Length, {BackwardInputName}.Length, nameof(gradInput));");
            if (_inputBias) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(gradInputBias.Length, RowLength, nameof(gradInputBias));");
            if (_norm.HasWeight) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(gradWeight.Length, RowLength, nameof(gradWeight));");
            if (HasBias) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(gradBias.Length, RowLength, nameof(gradBias));");
            if (HasParameterGradients) writer.Line("global::NormGen.Gpu.GpuArguments.RequireAtLeast(workspace.Length, WorkspaceLength(rows), nameof(workspace));");
            writer.Line("if (rows == 0) return;");
            writer.Line();
            writer.Line("global::ILGPU.Runtime.Accelerator accelerator = stream.Accelerator;");
            writer.Line("Kernels kernels = KernelCache.GetValue(accelerator, static a => new Kernels(a));");
            writer.Line(HasParameterGradients
                ? "int slots = global::System.Math.Min(rows, PartialRowLimit);"
                : "int slots = rows;");
            if (_rowPerWarp)
            {
                writer.Line("int groupSize = global::NormGen.Gpu.GpuAccelerators.GroupSize(accelerator, 128);");
                writer.Line("int slotsPerGroup = groupSize / accelerator.WarpSize;");
                writer.Line("int groups = (slots + slotsPerGroup - 1) / slotsPerGroup;");
            }
            else
            {
                writer.Line("int groupSize = global::NormGen.Gpu.GpuAccelerators.GroupSize(accelerator, 256);");
                writer.Line("const int slotsPerGroup = 1;");
                writer.Line("int groups = slots;");
            }

            string reductionSlots = _rowPerWarp ? "0" : "global::NormGen.Gpu.GpuReductions.MaxWarpsPerGroup";
            if (HasParameterGradients)
            {
                writer.Line("// Each slot sums its parameter gradients in shared memory when they fit, else straight into its workspace row.");
                writer.Line($"bool sharedPartials = global::NormGen.Gpu.GpuAccelerators.FitsSharedMemory(accelerator, ((long)slotsPerGroup * PartialWidth + {reductionSlots}) * {_accumulatorSize});");
                writer.Line($"int sharedLength = global::System.Math.Max(1, {reductionSlots} + (sharedPartials ? slotsPerGroup * PartialWidth : 0));");
            }
            else
            {
                writer.Line($"int sharedLength = global::System.Math.Max(1, {reductionSlots});");
            }

            var arguments = new List<string> { "stream", $"new global::ILGPU.KernelConfig(groups, groupSize, global::ILGPU.SharedMemoryConfig.RequestDynamic<{_accumulator}>(sharedLength))", "gradOutput", BackwardInputName };
            if (BackwardTakesInputBias) arguments.Add("inputBias");
            if (_norm.HasWeight) arguments.Add("weight");
            if (BackwardTakesBias) arguments.Add("bias");
            if (_centered) arguments.Add("mean");
            arguments.Add("rstd");
            arguments.Add("gradInput");
            if (HasParameterGradients)
            {
                arguments.Add("workspace");
            }

            arguments.Add("rows");
            arguments.Add("slots");
            if (HasParameterGradients) arguments.Add("sharedPartials ? 1 : 0");
            writer.Line($"kernels.Backward({string.Join(", ", arguments)});");

            if (HasParameterGradients)
            {
                writer.Line();
                writer.Line("int columnGroupSize = global::NormGen.Gpu.GpuAccelerators.GroupSize(accelerator, 256);");
                var columnArguments = new List<string> { "stream", "new global::ILGPU.KernelConfig((RowLength + columnGroupSize - 1) / columnGroupSize, columnGroupSize)", "workspace" };
                if (_norm.HasWeight) columnArguments.Add("gradWeight");
                if (HasBias) columnArguments.Add("gradBias");
                if (_inputBias) columnArguments.Add("gradInputBias");
                columnArguments.Add("slots");
                writer.Line($"kernels.ParameterGradients({string.Join(", ", columnArguments)});");
            }
        }
    }

    private void WriteCache(CodeWriter writer)
    {
        var forward = new List<string> { View };
        if (_inputBias) forward.Add(View);
        if (_residual) forward.Add(View);
        if (_norm.HasWeight) forward.Add(View);
        if (HasBias) forward.Add(View);
        forward.Add(View);
        if (_residual) forward.Add(View);
        if (_centered) forward.Add(AccumulatorView);
        forward.AddRange([AccumulatorView, "int", "int"]);

        var backward = new List<string> { View, View };
        if (BackwardTakesInputBias) backward.Add(View);
        if (_norm.HasWeight) backward.Add(View);
        if (BackwardTakesBias) backward.Add(View);
        if (_centered) backward.Add(AccumulatorView);
        backward.AddRange([AccumulatorView, View]);
        if (HasParameterGradients) backward.Add(AccumulatorView);
        backward.AddRange(["int", "int"]);
        if (HasParameterGradients) backward.Add("int");

        var columns = new List<string> { AccumulatorView };
        if (_norm.HasWeight) columns.Add(View);
        if (HasBias) columns.Add(View);
        if (_inputBias) columns.Add(View);
        columns.Add("int");

        const string Launcher = "global::System.Action<global::ILGPU.Runtime.AcceleratorStream, global::ILGPU.KernelConfig, ";
        writer.Line("private static readonly global::System.Runtime.CompilerServices.ConditionalWeakTable<global::ILGPU.Runtime.Accelerator, Kernels> KernelCache = new();");
        writer.Line();
        writer.Line("/// <summary>The kernels compiled for one accelerator.</summary>");
        using (writer.Block("private sealed class Kernels"))
        {
            writer.Line($"public readonly {Launcher}{string.Join(", ", forward)}> Forward;");
            writer.Line($"public readonly {Launcher}{string.Join(", ", backward)}> Backward;");
            if (HasParameterGradients) writer.Line($"public readonly {Launcher}{string.Join(", ", columns)}> ParameterGradients;");
            writer.Line();
            using (writer.Block("public Kernels(global::ILGPU.Runtime.Accelerator accelerator)"))
            {
                writer.Line($"Forward = global::ILGPU.Runtime.KernelLoaders.LoadKernel<{string.Join(", ", forward)}>(accelerator, ForwardKernel);");
                writer.Line($"Backward = global::ILGPU.Runtime.KernelLoaders.LoadKernel<{string.Join(", ", backward)}>(accelerator, BackwardKernel);");
                if (HasParameterGradients) writer.Line($"ParameterGradients = global::ILGPU.Runtime.KernelLoaders.LoadKernel<{string.Join(", ", columns)}>(accelerator, ParameterGradientKernel);");
            }
        }
    }

    /// <summary>Declares <c>row</c> (or <c>slot</c>), <c>lane</c>, <c>width</c> and the shared base of the row's threads.</summary>
    private void WriteThreadLayout(CodeWriter writer, string rowName, string sharedPerRow)
    {
        if (_rowPerWarp)
        {
            writer.Line($"int {rowName} = global::ILGPU.Grid.IdxX * (global::ILGPU.Group.DimX / global::ILGPU.Warp.WarpSize) + global::ILGPU.Warp.WarpIdx;");
            writer.Line("int lane = global::ILGPU.Warp.LaneIdx;");
            writer.Line("int width = global::ILGPU.Warp.WarpSize;");
            writer.Line($"int sharedBase = global::ILGPU.Warp.WarpIdx * {sharedPerRow};");
        }
        else
        {
            writer.Line($"int {rowName} = global::ILGPU.Grid.IdxX;");
            writer.Line("int lane = global::ILGPU.Group.IdxX;");
            writer.Line("int width = global::ILGPU.Group.DimX;");
            writer.Line("int sharedBase = global::NormGen.Gpu.GpuReductions.MaxWarpsPerGroup;");
        }
    }

    private void WriteForwardKernel(CodeWriter writer)
    {
        var parameters = new List<string> { $"{View} x" };
        if (_inputBias) parameters.Add($"{View} ib");
        if (_residual) parameters.Add($"{View} r");
        if (_norm.HasWeight) parameters.Add($"{View} w");
        if (HasBias) parameters.Add($"{View} b");
        parameters.Add($"{View} y");
        if (_residual) parameters.Add($"{View} sumOut");
        if (_centered) parameters.Add($"{AccumulatorView} meanOut");
        parameters.AddRange([$"{AccumulatorView} rstdOut", "int rows", "int cacheRow"]);

        writer.Line(_rowPerWarp
            ? "/// <summary>Normalizes one row per warp; lane i owns elements i, i + warp, …, in the row cache too, so the cache needs no barrier.</summary>"
            : "/// <summary>Normalizes one row per group; thread i owns elements i, i + group, …, in the row cache too, so the cache needs no barrier.</summary>");
        using (writer.Block($"private static void ForwardKernel({string.Join(", ", parameters)})"))
        {
            writer.Line($"{AccumulatorView} shared = global::ILGPU.SharedMemory.GetDynamic<{_accumulator}>();");
            WriteThreadLayout(writer, "row", "RowLength");
            if (_rowPerWarp)
            {
                writer.Line("if (row >= rows) return;");
            }

            writer.Line("long offset = (long)row * RowLength;");
            writer.Line();
            writer.Line($"{_accumulator} {(_centered ? "sum" : "squares")} = 0;");
            using (writer.Block("for (int j = lane; j < RowLength; j += width)"))
            {
                writer.Line($"{_accumulator} value = {ForwardPrologue()};");
                if (_residual) writer.Line($"sumOut[offset + j] = {Narrow("value")};");
                writer.Line("if (cacheRow != 0) shared[sharedBase + j] = value;");
                writer.Line(_centered ? "sum += value;" : "squares += value * value;");
            }

            string cached = $"(cacheRow != 0 ? shared[sharedBase + j] : {ForwardPrologue()})";
            if (_centered)
            {
                writer.Line();
                writer.Line($"{_accumulator} mean = {string.Format(CultureInfo.InvariantCulture, Reduce, "sum")} / RowLength;");
                writer.Line("// Second pass over the cached row: the variance of the deviations stays exact for rows with a large common offset.");
                writer.Line($"{_accumulator} squares = 0;");
                using (writer.Block("for (int j = lane; j < RowLength; j += width)"))
                {
                    writer.Line($"{_accumulator} deviation = {cached} - mean;");
                    writer.Line("squares += deviation * deviation;");
                }
            }

            writer.Line();
            writer.Line($"{_accumulator} rstd = 1 / {Sqrt}({string.Format(CultureInfo.InvariantCulture, Reduce, "squares")} / RowLength + Epsilon);");
            using (writer.Block("if (lane == 0)"))
            {
                if (_centered) writer.Line("if (meanOut.Length != 0) meanOut[row] = mean;");
                writer.Line("if (rstdOut.Length != 0) rstdOut[row] = rstd;");
            }

            writer.Line();
            using (writer.Block("for (int j = lane; j < RowLength; j += width)"))
            {
                writer.Line($"{_accumulator} normalized = {(_centered ? $"({cached} - mean) * rstd" : $"{cached} * rstd")};");
                string affine = Affine("normalized");
                writer.Line($"y[offset + j] = {Narrow(HasActivation ? $"Activate({affine})" : affine)};");
            }
        }

        if (HasActivation)
        {
            writer.Line();
            WriteActivation(writer);
        }
    }

    /// <summary>The value the norm normalizes at column <c>j</c> of the row at <c>offset</c>, with the fused adds in front.</summary>
    private string ForwardPrologue()
    {
        string value = Widen("x[offset + j]");
        if (_inputBias) value += $" + {Widen("ib[j]")}";
        if (_residual) value += $" + {Widen("r[offset + j]")}";
        return _inputBias || _residual ? $"({RoundSum(value)})" : value;
    }

    /// <summary>What backward normalizes: the residual sum forward wrote, or the input (plus its bias).</summary>
    private string BackwardPrologue() => _residual
        ? Widen("x[offset + j]")
        : _inputBias ? $"({RoundSum($"{Widen("x[offset + j]")} + {Widen("ib[j]")}")})" : Widen("x[offset + j]");

    /// <summary>A fused sum in Half is rounded to Half, as a separate Half add would round it.</summary>
    private string RoundSum(string sum) => _norm.Element == ElementKind.Half && (_inputBias || _residual)
        ? $"(float)(global::ILGPU.Half)({sum})"
        : sum;

    private string Affine(string normalized)
    {
        string value = normalized;
        if (_norm.HasWeight) value = $"{value} * {Widen("w[j]")}";
        if (HasBias) value = $"{value} + {Widen("b[j]")}";
        return value;
    }

    private string PrologueFormula()
    {
        string formula = "input";
        if (_inputBias) formula += " + inputBias";
        if (_residual) formula += " + residual";
        return formula;
    }

    private string ActivationName() => GpuSupport.ActivationName(_activation);

    private void WriteBackwardFusionRemarks(CodeWriter writer)
    {
        if (_residual)
        {
            writer.Line("/// <paramref name=\"residualOutput\"/> is the residual sum <c>Forward</c> wrote. <paramref name=\"gradInput\"/> is the gradient of both");
            writer.Line("/// <c>input</c> and <c>residual</c> through the norm; add any gradient that reaches <c>residualOutput</c> by the residual stream's own path.");
        }

        if (_inputBias)
        {
            writer.Line("/// <paramref name=\"gradInputBias\"/> receives the input gradient summed over rows.");
        }

        if (HasActivation)
        {
            writer.Line($"/// The {ActivationName()} is differentiated at its input, recomputed from the saved statistics; <paramref name=\"gradOutput\"/> is the gradient of its output.");
        }
    }

    private void WriteActivation(CodeWriter writer) => GpuSupport.WriteActivation(writer, _accumulator, _activation);

    private void WriteBackwardKernel(CodeWriter writer)
    {
        var parameters = new List<string> { $"{View} dy", $"{View} x" };
        if (BackwardTakesInputBias) parameters.Add($"{View} ib");
        if (_norm.HasWeight) parameters.Add($"{View} w");
        if (BackwardTakesBias) parameters.Add($"{View} b");
        if (_centered) parameters.Add($"{AccumulatorView} meanIn");
        parameters.AddRange([$"{AccumulatorView} rstdIn", $"{View} dx"]);
        if (HasParameterGradients) parameters.Add($"{AccumulatorView} partials");
        parameters.AddRange(["int rows", "int slots"]);
        if (HasParameterGradients) parameters.Add("int sharedPartials");

        writer.Line($"/// <summary>Back-propagates the rows slot, slot + slots, … with one {(_rowPerWarp ? "warp" : "group")} per slot{(HasParameterGradients ? ", summing the slot's parameter gradients into its own partial row" : "")}.</summary>");
        using (writer.Block($"private static void BackwardKernel({string.Join(", ", parameters)})"))
        {
            writer.Line($"{AccumulatorView} shared = global::ILGPU.SharedMemory.GetDynamic<{_accumulator}>();");
            WriteThreadLayout(writer, "slot", HasParameterGradients ? "PartialWidth" : "0");
            if (_rowPerWarp)
            {
                writer.Line("if (slot >= slots) return;");
            }

            if (HasParameterGradients)
            {
                writer.Line("long partialOffset = (long)slot * PartialWidth;");
                writer.Line("// Each thread clears, sums and copies out only the partial elements of its own columns: no barrier needed.");
                using (writer.Block("for (int j = lane; j < RowLength; j += width)"))
                {
                    foreach (string column in PartialColumns())
                    {
                        writer.Line($"if (sharedPartials != 0) shared[sharedBase + {column}] = 0;");
                        writer.Line($"else partials[partialOffset + {column}] = 0;");
                    }
                }
            }

            writer.Line();
            using (writer.Block("for (int row = slot; row < rows; row += slots)"))
            {
                writer.Line("long offset = (long)row * RowLength;");
                if (_centered) writer.Line($"{_accumulator} mean = meanIn[row];");
                writer.Line($"{_accumulator} rstd = rstdIn[row];");
                if (_centered) writer.Line($"{_accumulator} sumG = 0;");
                writer.Line($"{_accumulator} sumGX = 0;");
                using (writer.Block("for (int j = lane; j < RowLength; j += width)"))
                {
                    WriteElementGradient(writer);
                    if (_centered) writer.Line("sumG += g;");
                    writer.Line("sumGX += g * normalized;");
                    if (_norm.HasWeight || HasBias)
                    {
                        using (writer.Block("if (sharedPartials != 0)"))
                        {
                            WritePartialAdds(writer, "shared[sharedBase + {0}]");
                        }

                        using (writer.Block("else"))
                        {
                            WritePartialAdds(writer, "partials[partialOffset + {0}]");
                        }
                    }
                }

                writer.Line();
                if (_centered) writer.Line($"{_accumulator} meanG = {string.Format(CultureInfo.InvariantCulture, Reduce, "sumG")} / RowLength;");
                writer.Line($"{_accumulator} meanGX = {string.Format(CultureInfo.InvariantCulture, Reduce, "sumGX")} / RowLength;");
                using (writer.Block("for (int j = lane; j < RowLength; j += width)"))
                {
                    WriteElementGradient(writer);
                    writer.Line($"{_accumulator} inputGradient = {(_centered ? "rstd * (g - meanG - normalized * meanGX)" : "rstd * (g - normalized * meanGX)")};");
                    writer.Line($"dx[offset + j] = {Narrow("inputGradient")};");
                    if (_inputBias)
                    {
                        string column = InputBiasColumn();
                        writer.Line($"if (sharedPartials != 0) shared[sharedBase + {column}] += inputGradient;");
                        writer.Line($"else partials[partialOffset + {column}] += inputGradient;");
                    }
                }
            }

            if (HasParameterGradients)
            {
                writer.Line();
                using (writer.Block("if (sharedPartials != 0)"))
                {
                    using (writer.Block("for (int j = lane; j < RowLength; j += width)"))
                    {
                        foreach (string column in PartialColumns())
                        {
                            writer.Line($"partials[partialOffset + {column}] = shared[sharedBase + {column}];");
                        }
                    }
                }
            }
        }
    }

    /// <summary>Declares <c>normalized</c> (x̂), <c>gradient</c> (through the activation) and <c>g</c> (= gradient·γ) at column <c>j</c>.</summary>
    private void WriteElementGradient(CodeWriter writer)
    {
        string value = BackwardPrologue();
        writer.Line($"{_accumulator} normalized = {(_centered ? $"({value} - mean) * rstd" : $"{value} * rstd")};");
        writer.Line(HasActivation
            ? $"{_accumulator} gradient = ActivateBackward({Affine("normalized")}, {Widen("dy[offset + j]")});"
            : $"{_accumulator} gradient = {Widen("dy[offset + j]")};");
        writer.Line($"{_accumulator} g = {(_norm.HasWeight ? $"gradient * {Widen("w[j]")}" : "gradient")};");
    }

    /// <summary>Where column <c>j</c> of each parameter gradient sits in a partial row: dγ, dβ, then the input bias's gradient.</summary>
    private IEnumerable<string> PartialColumns()
    {
        int run = 0;
        if (_norm.HasWeight) yield return Column(run++);
        if (HasBias) yield return Column(run++);
        if (_inputBias) yield return Column(run);
    }

    private string InputBiasColumn() => Column((_norm.HasWeight ? 1 : 0) + (HasBias ? 1 : 0));

    private static string Column(int run) => run switch
    {
        0 => "j",
        1 => "RowLength + j",
        _ => $"{run} * RowLength + j",
    };

    /// <summary>Adds one element's share of dγ (dy·x̂) and dβ (dy) to the slot's partial row, spelled by <paramref name="target"/>.</summary>
    private void WritePartialAdds(CodeWriter writer, string target)
    {
        if (_norm.HasWeight)
        {
            writer.Line($"{string.Format(CultureInfo.InvariantCulture, target, Column(0))} += gradient * normalized;");
        }

        if (HasBias)
        {
            writer.Line($"{string.Format(CultureInfo.InvariantCulture, target, Column(_norm.HasWeight ? 1 : 0))} += gradient;");
        }
    }

    private void WriteColumnKernel(CodeWriter writer)
    {
        var parameters = new List<string> { $"{AccumulatorView} partials" };
        var sums = new List<(string Sum, string Output)>();
        if (_norm.HasWeight) sums.Add(("weightSum", "gradWeight"));
        if (HasBias) sums.Add(("biasSum", "gradBias"));
        if (_inputBias) sums.Add(("inputBiasSum", "gradInputBias"));
        foreach ((_, string output) in sums)
        {
            parameters.Add($"{View} {output}");
        }

        parameters.Add("int slots");

        writer.Line("/// <summary>Sums the partial rows column by column, in slot order: one thread per parameter element.</summary>");
        using (writer.Block($"private static void ParameterGradientKernel({string.Join(", ", parameters)})"))
        {
            writer.Line("int j = global::ILGPU.Grid.IdxX * global::ILGPU.Group.DimX + global::ILGPU.Group.IdxX;");
            writer.Line("if (j >= RowLength) return;");
            foreach ((string sum, _) in sums)
            {
                writer.Line($"{_accumulator} {sum} = 0;");
            }

            using (writer.Block("for (int slot = 0; slot < slots; slot++)"))
            {
                writer.Line("long offset = (long)slot * PartialWidth;");
                for (int i = 0; i < sums.Count; i++)
                {
                    writer.Line($"{sums[i].Sum} += partials[offset + {Column(i)}];");
                }
            }

            foreach ((string sum, string output) in sums)
            {
                writer.Line($"if ({output}.Length != 0) {output}[j] = {Narrow(sum)};");
            }
        }
    }

    private string Widen(string value) => _norm.Element == ElementKind.Half ? $"(float){value}" : value;

    private string Narrow(string value) => _norm.Element == ElementKind.Half ? $"(global::ILGPU.Half)({value})" : value;

    private string Literal(double value) => _accumulator == "double"
        ? value.ToString("R", CultureInfo.InvariantCulture) + "d"
        : ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";
}
