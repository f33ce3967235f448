using System.Collections.Generic;
using System.Globalization;
using NormGen.Generators.Helpers;
using NormGen.Generators.Model;

namespace NormGen.Generators.Emitting.Gpu;

/// <summary>
/// Writes the ILGPU kernels of a LayerNorm or RMSNorm over interior axes (C of N,C,H,W: the channels-first
/// LayerNorm), in place in the layout: every (outer, inner) column of <c>Reduced</c> elements strided by <c>Inner</c>.
/// </summary>
/// <remarks>
/// A thread normalizes one column; adjacent threads take adjacent inner indices, so every load of a warp is
/// coalesced. The parameter gradients are summed per slot of <c>ColumnsPerSlot</c> columns (deterministic group
/// sums, one per normalized element), then over slots in order: no atomics.
/// </remarks>
internal sealed class GpuColumnNormEmitter
{
    private readonly NormSpec _norm;
    private readonly bool _centered;
    private readonly string _element;
    private readonly string _accumulator;

    private GpuColumnNormEmitter(NormSpec norm)
    {
        _norm = norm;
        _centered = norm.Kind == NormKind.LayerNorm;
        _element = GpuSupport.ElementType(norm);
        _accumulator = GpuSupport.AccumulatorType(norm);
    }

    private bool HasBias => _centered && _norm.HasBias;

    private bool HasParameterGradients => _norm.HasWeight || HasBias;

    private bool Activated => _norm.Activation != ActivationKind.None;

    /// <summary>Backward needs β only to recompute the activation's input.</summary>
    private bool BackwardTakesBias => Activated && HasBias;

    private string View => $"global::ILGPU.ArrayView<{_element}>";

    private string AccumulatorView => $"global::ILGPU.ArrayView<{_accumulator}>";

    private string Sqrt => _accumulator == "double" ? "global::System.Math.Sqrt" : "global::System.MathF.Sqrt";

    public static void Emit(CodeWriter writer, NormSpec norm) => new GpuColumnNormEmitter(norm).Emit(writer);

    private void Emit(CodeWriter writer)
    {
        string name = _centered ? "LayerNorm" : "RMSNorm";
        string element = _norm.Element switch { ElementKind.Double => "double", ElementKind.Half => "Half (float arithmetic)", _ => "float" };
        writer.Line("/// <summary>");
        writer.Line($"/// ILGPU kernels of {name} <c>{_norm.Name}</c> over axes {string.Join(",", _norm.Axes)} of layout {string.Join(",", _norm.Layout)}, in place in that layout:");
        writer.Line($"/// columns of {_norm.Geometry.Reduced} {element} elements strided by {_norm.Geometry.Inner}, eps = {_norm.Epsilon.ToString("R", CultureInfo.InvariantCulture)}.");
        writer.Line($"/// The same computation as <see cref=\"{_norm.KernelName}\"/>, on an accelerator; one thread per column.");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>Kernels are compiled once per accelerator and cached; results are bitwise reproducible on a given device.</remarks>");
        writer.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"{Parsing.KnownNames.GeneratorTool}\", \"{typeof(GpuColumnNormEmitter).Assembly.GetName().Version}\")]");
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
                WritePartialKernel(writer);
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
        writer.Line("/// <summary>Elements in one normalized column: the product of the normalized extents.</summary>");
        writer.Line($"public const int Reduced = {_norm.Geometry.Reduced};");
        writer.Line();
        writer.Line("/// <summary>The product of the extents after the normalized axes: the stride of a column, and the columns per outer index.</summary>");
        writer.Line($"public const int Inner = {_norm.Geometry.Inner};");
        writer.Line();
        writer.Line("/// <summary>The epsilon added under the square root.</summary>");
        writer.Line($"public const {_accumulator} Epsilon = {Literal(_norm.Epsilon)};");
        if (HasParameterGradients)
        {
            writer.Line();
            writer.Line("/// <summary>Columns whose parameter gradients one partial row sums: fixed, so the summation order depends on the shape alone.</summary>");
            writer.Line("public const int ColumnsPerSlot = 256;");
            writer.Line();
            writer.Line("/// <summary>Elements of one partial row: one <see cref=\"Reduced\"/>-long run per parameter gradient.</summary>");
            writer.Line($"private const int PartialWidth = {(_norm.HasWeight && HasBias ? 2 : 1)} * Reduced;");
            writer.Line();
            writer.Line("/// <summary>The elements of scratch memory <c>Backward</c> needs for <paramref name=\"columns\"/> columns (outer count × <see cref=\"Inner\"/>).</summary>");
            writer.Line("public static long WorkspaceLength(long columns) => (global::System.Math.Max(columns, 0) + ColumnsPerSlot - 1) / ColumnsPerSlot * PartialWidth;");
        }
    }

    private void WriteForward(CodeWriter writer)
    {
        var parameters = new List<string> { "global::ILGPU.Runtime.AcceleratorStream stream", $"{View} input" };
        if (_norm.HasWeight) parameters.Add($"{View} weight");
        if (HasBias) parameters.Add($"{View} bias");
        parameters.Add($"{View} output");
        if (_centered) parameters.Add($"{AccumulatorView} mean");
        parameters.Add($"{AccumulatorView} rstd");

        writer.Line("/// <summary>");
        writer.Line("/// Queues the normalization of every column of <paramref name=\"input\"/> into <paramref name=\"output\"/> (which may be the same view),");
        writer.Line($"/// saving each column's {(_centered ? "mean and " : "")}reciprocal standard deviation (index outer × <see cref=\"Inner\"/> + inner) for <c>Backward</c>; pass empty views to skip them.");
        writer.Line("/// </summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A view's length does not fit the shape.</exception>");
        using (writer.Block($"public static void Forward({string.Join(", ", parameters)})"))
        {
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireStream(stream, nameof(stream));");
            writer.Line("long columns = (long)global::NormGen.Gpu.GpuArguments.RowCount(input.Length, Reduced * Inner, nameof(input)) * Inner;");
            if (_norm.HasWeight) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(weight.Length, Reduced, nameof(weight));");
            if (HasBias) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(bias.Length, Reduced, nameof(bias));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(output.Length, input.Length, nameof(output));");
            if (_centered) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(mean.Length, columns, nameof(mean));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(rstd.Length, columns, nameof(rstd));");
            writer.Line("if (columns == 0) return;");
            writer.Line();
            WriteLaunchSetup(writer);
            var arguments = new List<string> { "stream", "config", "input" };
            if (_norm.HasWeight) arguments.Add("weight");
            if (HasBias) arguments.Add("bias");
            arguments.Add("output");
            if (_centered) arguments.Add("mean");
            arguments.AddRange(["rstd", "columns"]);
            writer.Line($"kernels.Forward({string.Join(", ", arguments)});");
        }
    }

    private void WriteBackward(CodeWriter writer)
    {
        var parameters = new List<string> { "global::ILGPU.Runtime.AcceleratorStream stream", $"{View} gradOutput", $"{View} input" };
        if (_norm.HasWeight) parameters.Add($"{View} weight");
        if (BackwardTakesBias) parameters.Add($"{View} bias");
        if (_centered) parameters.Add($"{AccumulatorView} mean");
        parameters.AddRange([$"{AccumulatorView} rstd", $"{View} gradInput"]);
        if (_norm.HasWeight) parameters.Add($"{View} gradWeight");
        if (HasBias) parameters.Add($"{View} gradBias");
        if (HasParameterGradients) parameters.Add($"{AccumulatorView} workspace");

        writer.Line("/// <summary>");
        writer.Line("/// Queues back-propagation through the norm with the statistics saved by <c>Forward</c>: writes the input gradient" + (HasParameterGradients ? "" : "."));
        if (HasParameterGradients)
        {
            writer.Line("/// and (over)writes the parameter gradients (pass empty views to skip them), summed without atomics: per-slot partial rows");
            writer.Line("/// in <paramref name=\"workspace\"/> (at least <see cref=\"WorkspaceLength\"/> elements, owned by the caller), then over slots in order.");
        }

        writer.Line("/// </summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A view's length does not fit the shape.</exception>");
        using (writer.Block($"public static void Backward({string.Join(", ", parameters)})"))
        {
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireStream(stream, nameof(stream));");
            writer.Line("long columns = (long)global::NormGen.Gpu.GpuArguments.RowCount(input.Length, Reduced * Inner, nameof(input)) * Inner;");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(gradOutput.Length, input.Length, nameof(gradOutput));");
            if (_norm.HasWeight) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(weight.Length, Reduced, nameof(weight));");
            if (BackwardTakesBias) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(bias.Length, Reduced, nameof(bias));");
            if (_centered) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(mean.Length, columns, nameof(mean));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(rstd.Length, columns, nameof(rstd));");
            writer.Line("global::NormGen.Gpu.GpuArguments.RequireLength(gradInput.Length, input.Length, nameof(gradInput));");
            if (_norm.HasWeight) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(gradWeight.Length, Reduced, nameof(gradWeight));");
            if (HasBias) writer.Line("global::NormGen.Gpu.GpuArguments.RequireLengthOrEmpty(gradBias.Length, Reduced, nameof(gradBias));");
            if (HasParameterGradients) writer.Line("global::NormGen.Gpu.GpuArguments.RequireAtLeast(workspace.Length, WorkspaceLength(columns), nameof(workspace));");
            writer.Line();
            WriteLaunchSetup(writer);
            if (HasParameterGradients)
            {
                writer.Line("// The parameter gradients' partials come first: they read the input, which the input gradient may overwrite in place.");
                writer.Line("int slots = (int)((columns + ColumnsPerSlot - 1) / ColumnsPerSlot);");
                writer.Line("if (slots > 0)");
                writer.Line("{");
                var partialArguments = new List<string> { "    stream", $"new global::ILGPU.KernelConfig(slots, config.GroupDim.X, global::ILGPU.SharedMemoryConfig.RequestDynamic<{_accumulator}>(global::NormGen.Gpu.GpuReductions.MaxWarpsPerGroup))", "gradOutput", "input" };
                if (Activated && _norm.HasWeight) partialArguments.Add("weight");
                if (BackwardTakesBias) partialArguments.Add("bias");
                if (_centered) partialArguments.Add("mean");
                partialArguments.AddRange(["rstd", "workspace", "columns"]);
                writer.Line($"    kernels.Partials({string.Join(", ", partialArguments)});");
                writer.Line("}");
                writer.Line();
                var columnArguments = new List<string> { "stream", "new global::ILGPU.KernelConfig((Reduced + config.GroupDim.X - 1) / config.GroupDim.X, config.GroupDim.X)", "workspace" };
                if (_norm.HasWeight) columnArguments.Add("gradWeight");
                if (HasBias) columnArguments.Add("gradBias");
                columnArguments.Add("slots");
                writer.Line($"kernels.ParameterGradients({string.Join(", ", columnArguments)});");
            }

            writer.Line("if (columns == 0) return;");
            var arguments = new List<string> { "stream", "config", "gradOutput", "input" };
            if (_norm.HasWeight) arguments.Add("weight");
            if (BackwardTakesBias) arguments.Add("bias");
            if (_centered) arguments.Add("mean");
            arguments.AddRange(["rstd", "gradInput", "columns"]);
            writer.Line($"kernels.Backward({string.Join(", ", arguments)});");
        }
    }

    private void WriteLaunchSetup(CodeWriter writer)
    {
        writer.Line("global::ILGPU.Runtime.Accelerator accelerator = stream.Accelerator;");
        writer.Line("Kernels kernels = KernelCache.GetValue(accelerator, static a => new Kernels(a));");
        writer.Line("int groupSize = global::NormGen.Gpu.GpuAccelerators.GroupSize(accelerator, 256);");
        writer.Line("var config = new global::ILGPU.KernelConfig((int)((columns + groupSize - 1) / groupSize), groupSize);");
    }

    private void WriteCache(CodeWriter writer)
    {
        var forward = new List<string> { View };
        if (_norm.HasWeight) forward.Add(View);
        if (HasBias) forward.Add(View);
        forward.Add(View);
        if (_centered) forward.Add(AccumulatorView);
        forward.AddRange([AccumulatorView, "long"]);

        var backward = new List<string> { View, View };
        if (_norm.HasWeight) backward.Add(View);
        if (BackwardTakesBias) backward.Add(View);
        if (_centered) backward.Add(AccumulatorView);
        backward.AddRange([AccumulatorView, View, "long"]);

        var partials = new List<string> { View, View };
        if (Activated && _norm.HasWeight) partials.Add(View);
        if (BackwardTakesBias) partials.Add(View);
        if (_centered) partials.Add(AccumulatorView);
        partials.AddRange([AccumulatorView, AccumulatorView, "long"]);

        var columns = new List<string> { AccumulatorView };
        if (_norm.HasWeight) columns.Add(View);
        if (HasBias) columns.Add(View);
        columns.Add("int");

        const string Launcher = "global::System.Action<global::ILGPU.Runtime.AcceleratorStream, global::ILGPU.KernelConfig, ";
        writer.Line("private static readonly global::System.Runtime.CompilerServices.ConditionalWeakTable<global::ILGPU.Runtime.Accelerator, Kernels> KernelCache = new();");
        writer.Line();
        writer.Line("/// <summary>The kernels compiled for one accelerator.</summary>");
        using (writer.Block("private sealed class Kernels"))
        {
            writer.Line($"public readonly {Launcher}{string.Join(", ", forward)}> Forward;");
            writer.Line($"public readonly {Launcher}{string.Join(", ", backward)}> Backward;");
            if (HasParameterGradients)
            {
                writer.Line($"public readonly {Launcher}{string.Join(", ", partials)}> Partials;");
                writer.Line($"public readonly {Launcher}{string.Join(", ", columns)}> ParameterGradients;");
            }

            writer.Line();
            using (writer.Block("public Kernels(global::ILGPU.Runtime.Accelerator accelerator)"))
            {
                writer.Line($"Forward = global::ILGPU.Runtime.KernelLoaders.LoadKernel<{string.Join(", ", forward)}>(accelerator, ForwardKernel);");
                writer.Line($"Backward = global::ILGPU.Runtime.KernelLoaders.LoadKernel<{string.Join(", ", backward)}>(accelerator, BackwardKernel);");
                if (HasParameterGradients)
                {
                    writer.Line($"Partials = global::ILGPU.Runtime.KernelLoaders.LoadKernel<{string.Join(", ", partials)}>(accelerator, PartialKernel);");
                    writer.Line($"ParameterGradients = global::ILGPU.Runtime.KernelLoaders.LoadKernel<{string.Join(", ", columns)}>(accelerator, ParameterGradientKernel);");
                }
            }
        }
    }

    private static void WriteColumnLayout(CodeWriter writer)
    {
        writer.Line("long column = (long)global::ILGPU.Grid.IdxX * global::ILGPU.Group.DimX + global::ILGPU.Group.IdxX;");
        writer.Line("if (column >= columns) return;");
        writer.Line("long outer = column / Inner;");
        writer.Line("long start = outer * Reduced * Inner + (column - outer * Inner);");
    }

    private void WriteForwardKernel(CodeWriter writer)
    {
        var parameters = new List<string> { $"{View} x" };
        if (_norm.HasWeight) parameters.Add($"{View} w");
        if (HasBias) parameters.Add($"{View} b");
        parameters.Add($"{View} y");
        if (_centered) parameters.Add($"{AccumulatorView} meanOut");
        parameters.AddRange([$"{AccumulatorView} rstdOut", "long columns"]);

        writer.Line("/// <summary>One thread per column: the statistics in two passes over the column (exact for large offsets), then the normalization.</summary>");
        using (writer.Block($"private static void ForwardKernel({string.Join(", ", parameters)})"))
        {
            WriteColumnLayout(writer);
            if (_centered)
            {
                writer.Line($"{_accumulator} sum = 0;");
                writer.Line($"for (int r = 0; r < Reduced; r++) sum += {Widen("x[start + (long)r * Inner]")};");
                writer.Line($"{_accumulator} mean = sum / Reduced;");
                writer.Line($"{_accumulator} squares = 0;");
                using (writer.Block("for (int r = 0; r < Reduced; r++)"))
                {
                    writer.Line($"{_accumulator} deviation = {Widen("x[start + (long)r * Inner]")} - mean;");
                    writer.Line("squares += deviation * deviation;");
                }
            }
            else
            {
                writer.Line($"{_accumulator} squares = 0;");
                using (writer.Block("for (int r = 0; r < Reduced; r++)"))
                {
                    writer.Line($"{_accumulator} value = {Widen("x[start + (long)r * Inner]")};");
                    writer.Line("squares += value * value;");
                }
            }

            writer.Line($"{_accumulator} rstd = 1 / {Sqrt}(squares / Reduced + Epsilon);");
            if (_centered) writer.Line("if (meanOut.Length != 0) meanOut[column] = mean;");
            writer.Line("if (rstdOut.Length != 0) rstdOut[column] = rstd;");
            using (writer.Block("for (int r = 0; r < Reduced; r++)"))
            {
                writer.Line("long index = start + (long)r * Inner;");
                string value = _centered ? $"({Widen("x[index]")} - mean) * rstd" : $"{Widen("x[index]")} * rstd";
                if (_norm.HasWeight) value += $" * {Widen("w[r]")}";
                if (HasBias) value += $" + {Widen("b[r]")}";
                writer.Line($"y[index] = {Narrow(Activated ? $"Activate({value})" : value)};");
            }
        }
    }

    private void WriteBackwardKernel(CodeWriter writer)
    {
        var parameters = new List<string> { $"{View} dy", $"{View} x" };
        if (_norm.HasWeight) parameters.Add($"{View} w");
        if (BackwardTakesBias) parameters.Add($"{View} b");
        if (_centered) parameters.Add($"{AccumulatorView} meanIn");
        parameters.AddRange([$"{AccumulatorView} rstdIn", $"{View} dx", "long columns"]);

        string normalized = "normalized";
        string g = _norm.HasWeight ? $"{Gradient()} * {Widen("w[r]")}" : Gradient();
        writer.Line("/// <summary>One thread per column: dx = rstd·(g - mean(g) - x̂·mean(g·x̂)) with g = dy·γ.</summary>");
        using (writer.Block($"private static void BackwardKernel({string.Join(", ", parameters)})"))
        {
            WriteColumnLayout(writer);
            if (_centered) writer.Line($"{_accumulator} mean = meanIn[column];");
            writer.Line($"{_accumulator} rstd = rstdIn[column];");
            if (_centered) writer.Line($"{_accumulator} sumG = 0;");
            writer.Line($"{_accumulator} sumGX = 0;");
            using (writer.Block("for (int r = 0; r < Reduced; r++)"))
            {
                writer.Line("long index = start + (long)r * Inner;");
                writer.Line($"{_accumulator} normalized = {Normalized("mean", "rstd")};");
                writer.Line($"{_accumulator} g = {g};");
                if (_centered) writer.Line("sumG += g;");
                writer.Line($"sumGX += g * {normalized};");
            }

            if (_centered) writer.Line($"{_accumulator} meanG = sumG / Reduced;");
            writer.Line($"{_accumulator} meanGX = sumGX / Reduced;");
            using (writer.Block("for (int r = 0; r < Reduced; r++)"))
            {
                writer.Line("long index = start + (long)r * Inner;");
                writer.Line($"{_accumulator} normalized = {Normalized("mean", "rstd")};");
                writer.Line($"dx[index] = {Narrow(_centered ? $"rstd * ({g} - meanG - {normalized} * meanGX)" : $"rstd * ({g} - {normalized} * meanGX)")};");
            }
        }
    }

    private void WritePartialKernel(CodeWriter writer)
    {
        var parameters = new List<string> { $"{View} dy", $"{View} x" };
        if (Activated && _norm.HasWeight) parameters.Add($"{View} w");
        if (BackwardTakesBias) parameters.Add($"{View} b");
        if (_centered) parameters.Add($"{AccumulatorView} meanIn");
        parameters.AddRange([$"{AccumulatorView} rstdIn", $"{AccumulatorView} partials", "long columns"]);

        writer.Line("/// <summary>One group per slot of <see cref=\"ColumnsPerSlot\"/> columns: for every normalized element, Σ dy·x̂ and Σ dy over the slot's columns as group sums.</summary>");
        using (writer.Block($"private static void PartialKernel({string.Join(", ", parameters)})"))
        {
            writer.Line($"{AccumulatorView} shared = global::ILGPU.SharedMemory.GetDynamic<{_accumulator}>();");
            writer.Line("int slot = global::ILGPU.Grid.IdxX;");
            writer.Line("long first = (long)slot * ColumnsPerSlot;");
            writer.Line("long end = global::System.Math.Min(first + ColumnsPerSlot, columns);");
            using (writer.Block("for (int r = 0; r < Reduced; r++)"))
            {
                if (_norm.HasWeight) writer.Line($"{_accumulator} weightSum = 0;");
                if (HasBias) writer.Line($"{_accumulator} biasSum = 0;");
                using (writer.Block("for (long column = first + global::ILGPU.Group.IdxX; column < end; column += global::ILGPU.Group.DimX)"))
                {
                    writer.Line("long outer = column / Inner;");
                    writer.Line("long index = outer * Reduced * Inner + (column - outer * Inner) + (long)r * Inner;");
                    writer.Line($"{_accumulator} normalized = {Normalized("meanIn[column]", "rstdIn[column]")};");
                    writer.Line($"{_accumulator} gradient = {Gradient()};");
                    if (_norm.HasWeight) writer.Line("weightSum += gradient * normalized;");
                    if (HasBias) writer.Line("biasSum += gradient;");
                }

                if (_norm.HasWeight) writer.Line("weightSum = global::NormGen.Gpu.GpuReductions.GroupSum(weightSum, shared);");
                if (HasBias) writer.Line("biasSum = global::NormGen.Gpu.GpuReductions.GroupSum(biasSum, shared);");
                using (writer.Block("if (global::ILGPU.Group.IdxX == 0)"))
                {
                    if (_norm.HasWeight) writer.Line("partials[(long)slot * PartialWidth + r] = weightSum;");
                    if (HasBias) writer.Line($"partials[(long)slot * PartialWidth + {(_norm.HasWeight ? "Reduced + " : "")}r] = biasSum;");
                }
            }
        }
    }

    private void WriteColumnKernel(CodeWriter writer)
    {
        var parameters = new List<string> { $"{AccumulatorView} partials" };
        if (_norm.HasWeight) parameters.Add($"{View} gradWeight");
        if (HasBias) parameters.Add($"{View} gradBias");
        parameters.Add("int slots");

        writer.Line("/// <summary>Sums the partial rows over slots, in slot order: one thread per parameter element.</summary>");
        using (writer.Block($"private static void ParameterGradientKernel({string.Join(", ", parameters)})"))
        {
            writer.Line("int r = global::ILGPU.Grid.IdxX * global::ILGPU.Group.DimX + global::ILGPU.Group.IdxX;");
            writer.Line("if (r >= Reduced) return;");
            if (_norm.HasWeight) writer.Line($"{_accumulator} weightSum = 0;");
            if (HasBias) writer.Line($"{_accumulator} biasSum = 0;");
            using (writer.Block("for (int slot = 0; slot < slots; slot++)"))
            {
                if (_norm.HasWeight) writer.Line("weightSum += partials[(long)slot * PartialWidth + r];");
                if (HasBias) writer.Line($"biasSum += partials[(long)slot * PartialWidth + {(_norm.HasWeight ? "Reduced + " : "")}r];");
            }

            if (_norm.HasWeight) writer.Line($"if (gradWeight.Length != 0) gradWeight[r] = {Narrow("weightSum")};");
            if (HasBias) writer.Line($"if (gradBias.Length != 0) gradBias[r] = {Narrow("biasSum")};");
        }
    }

    private string Normalized(string mean, string rstd) => _centered ? $"({Widen("x[index]")} - {mean}) * {rstd}" : $"{Widen("x[index]")} * {rstd}";

    /// <summary>The gradient at the affine output: dy, through the activation (its input recomputed from <c>normalized</c>) when one is fused.</summary>
    private string Gradient()
    {
        if (!Activated)
        {
            return Widen("dy[index]");
        }

        string affine = "normalized";
        if (_norm.HasWeight) affine += $" * {Widen("w[r]")}";
        if (HasBias) affine += $" + {Widen("b[r]")}";
        return $"ActivateBackward({affine}, {Widen("dy[index]")})";
    }

    private string Widen(string value) => _norm.Element == ElementKind.Half ? $"(float){value}" : value;

    private string Narrow(string value) => _norm.Element == ElementKind.Half ? $"(global::ILGPU.Half)({value})" : value;

    private string Literal(double value) => _accumulator == "double"
        ? value.ToString("R", CultureInfo.InvariantCulture) + "d"
        : ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";
}
