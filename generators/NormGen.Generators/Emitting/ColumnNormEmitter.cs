using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NormGen.Generators.Helpers;
using NormGen.Generators.Model;

namespace NormGen.Generators.Emitting;

/// <summary>
/// Writes the kernel of a LayerNorm or RMSNorm over interior axes (<see cref="GeometryKind.Columns"/>), such as
/// axis C of N,C,H,W — the channels-first LayerNorm of ConvNeXt. Element (o, r, q) sits at
/// <c>o·Reduced·Inner + r·Inner + q</c>; every (o, q) is one "column" of <c>Reduced</c> elements, <c>Inner</c> apart,
/// with its own statistics. The kernel works in place in that layout: no permute, no copy.
/// </summary>
/// <remarks>
/// <para>
/// Columns are vectorized across the contiguous inner axis: one SIMD vector holds adjacent columns, and a loop
/// over the reduced axis accumulates per-lane sums, so no horizontal reduction is ever needed. Columns left over
/// after the last full vector take a scalar routine. Work is split into panels of <c>PanelWidth</c> columns of one
/// outer index, and the panels are spread over cores by <c>RowScheduler</c> once there are enough of them.
/// </para>
/// <para>
/// Half kernels widen each panel into float scratch, run the float routines on it and narrow the result back;
/// statistics are float. A fused activation runs on the panel after the affine step; backward recomputes the
/// pre-activation from the saved statistics and turns dy into dz before the norm's own backward.
/// </para>
/// </remarks>
internal sealed class ColumnNormEmitter
{
    private const string Runtime = "global::NormGen.Kernels";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan";
    private const string Span = "global::System.Span";
    private const string Pool = "global::System.Buffers.ArrayPool";
    private const string Inline = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";

    /// <summary>A panel aims to hold at most this many elements, so its scratch (Half, activations) stays cache-sized.</summary>
    private const int PanelElementBudget = 1 << 16;

    /// <summary>The widest panel, in columns; also the unit panels are rounded to (a multiple of every vector's lanes).</summary>
    private const int MaxPanelWidth = 256;

    private const int PanelWidthUnit = 16;

    private readonly NormSpec _norm;
    private readonly ElementTypeInfo _t;
    private readonly bool _centered;
    private readonly bool _half;
    private readonly bool _activation;
    private readonly int _reduced;
    private readonly int _inner;
    private readonly int _panelWidth;

    private ColumnNormEmitter(NormSpec norm)
    {
        _norm = norm;
        _half = norm.Element == ElementKind.Half;
        _t = ElementTypeInfo.Of(norm.Element);
        _centered = norm.Kind == NormKind.LayerNorm;
        _activation = norm.Activation != ActivationKind.None;
        _reduced = norm.Geometry.Reduced;
        _inner = norm.Geometry.Inner;
        _panelWidth = PanelWidthFor(_reduced, _inner);
    }

    /// <summary>The compute type: float for float and Half kernels, double for double ones.</summary>
    private string T => _t.Keyword;

    /// <summary>The storage type of the tensors and parameters.</summary>
    private string S => _half ? "global::System.Half" : _t.Keyword;

    /// <summary>Whether Half panels go through float scratch (always for Half) — the core routines only see the compute type.</summary>
    private bool Widens => _half;

    /// <summary>Marks the routines the loops run: compiled fully optimized at once rather than through tiered compilation's unoptimized first tier.</summary>
    private const string Optimized = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    public static void Emit(CodeWriter writer, NormSpec norm) => new ColumnNormEmitter(norm).Emit(writer);

    /// <summary>
    /// Columns per work item: the whole inner extent when it is small; otherwise a multiple of 16 columns (so only
    /// the last panel of an outer index can end in a partial vector), at most 256, and fewer when the reduced
    /// extent is long, so that a panel stays within <see cref="PanelElementBudget"/> elements.
    /// </summary>
    internal static int PanelWidthFor(int reduced, int inner)
    {
        int byBudget = PanelElementBudget / Math.Max(reduced, 1) / PanelWidthUnit * PanelWidthUnit;
        int cap = Math.Min(MaxPanelWidth, Math.Max(PanelWidthUnit, byBudget));
        return inner <= cap ? inner : cap;
    }

    private void Emit(CodeWriter writer)
    {
        WriteSummary(writer);
        writer.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"{Parsing.KnownNames.GeneratorTool}\", \"{typeof(ColumnNormEmitter).Assembly.GetName().Version}\")]");
        using (writer.Block($"public static unsafe class {_norm.KernelName}"))
        {
            WriteConstants(writer);
            writer.Line();
            WriteForward(writer);
            writer.Line();
            WriteBackward(writer);
            writer.Line();
            WriteForwardPanels(writer);
            writer.Line();
            WriteBackwardPanels(writer);
            writer.Line();
            WriteForwardPanel(writer);
            if (_activation)
            {
                writer.Line();
                WriteNormalizePanel(writer);
            }

            writer.Line();
            WriteBackwardPanel(writer);
            WritePanelHelpers(writer);

            foreach (VectorWidth width in VectorWidth.All)
            {
                writer.Line();
                WriteColumnStatisticsVector(writer, width);
                writer.Line();
                WriteNormalizeColumnsVector(writer, width);
                writer.Line();
                WriteBackwardColumnsVector(writer, width);
            }

            writer.Line();
            WriteColumnStatisticsScalar(writer);
            writer.Line();
            WriteNormalizeColumnScalar(writer);
            writer.Line();
            WriteBackwardColumnScalar(writer);
        }
    }

    // ---------------------------------------------------------------- public surface

    private void WriteSummary(CodeWriter writer)
    {
        string kind = _centered ? "LayerNorm" : "RMSNorm";
        string affine = (_norm.HasWeight, _norm.HasBias) switch
        {
            (true, true) => "with weight (γ) and bias (β)",
            (true, false) => "with weight (γ)",
            _ => "without affine parameters",
        };
        string element = _half ? "Half (computed in float)" : T;

        writer.Line("/// <summary>");
        writer.Line($"/// {kind} <c>{Escape(_norm.Name)}</c> over axes {string.Join(",", _norm.Axes)} of layout {string.Join(",", _norm.Layout)}, in place in that layout:");
        writer.Line($"/// columns of [{string.Join(", ", _norm.Shape)}] = {_reduced} {element} elements, {_inner} apart, eps = {_norm.Epsilon.ToString("R", CultureInfo.InvariantCulture)}, {affine}{ActivationNote()}.");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>");
        writer.Line("/// An input holds any number of outer blocks of <see cref=\"Reduced\"/> × <see cref=\"Inner\"/> elements; element (o, r, q)");
        writer.Line("/// is at <c>o·Reduced·Inner + r·Inner + q</c>. Every (o, q) is normalized over r:");
        string normalized = Affine(_centered ? "(x - mean) / sqrt(var + eps)" : "x / sqrt(mean(x²) + eps)", "weight[r]", "bias[r]");
        string formula = _activation ? $"{ActivationName}({normalized})" : normalized;
        string variance = _centered ? ", with the biased variance," : "";
        writer.Line($"/// <c>y = {formula}</c>{variance} as PyTorch's <c>{kind}</c> over the normalized axes moved last.");
        writer.Line("/// Statistics are laid out [outer, Inner]: one per (o, q).");
        writer.Line("/// </remarks>");
    }

    private string ActivationNote() => _norm.Activation switch
    {
        ActivationKind.None => "",
        _ => $", then {ActivationName}",
    };

    private string ActivationName => _norm.Activation switch
    {
        ActivationKind.Relu => "relu",
        ActivationKind.Gelu => "gelu",
        ActivationKind.GeluTanh => "gelu_tanh",
        ActivationKind.Silu => "silu",
        _ => "",
    };

    /// <summary>The runtime's span-level activation: <c>Activations.Gelu</c>, or its backward.</summary>
    private string ActivationMethod(bool backward) => $"{Runtime}.Activations.{_norm.Activation}{(backward ? "Backward" : "")}";

    private void WriteConstants(CodeWriter writer)
    {
        writer.Line("/// <summary>Elements in one normalized column: the product of the normalized extents.</summary>");
        writer.Line($"public const int Reduced = {_reduced.ToString(CultureInfo.InvariantCulture)};");
        writer.Line();
        writer.Line("/// <summary>The product of the extents after the normalized axes: the distance between a column's elements, and the columns per outer index.</summary>");
        writer.Line($"public const int Inner = {_inner.ToString(CultureInfo.InvariantCulture)};");
        writer.Line();
        writer.Line("/// <summary>The epsilon added under the square root.</summary>");
        writer.Line($"public const {T} Epsilon = {_t.Literal(_norm.Epsilon)};");
        writer.Line();
        writer.Line("/// <summary>The normalized extents, in layout order: the shape of the weight and bias.</summary>");
        writer.Line($"public static {ReadOnlySpan}<int> NormalizedShape => new int[] {{ {string.Join(", ", _norm.Shape)} }};");
        writer.Line();
        writer.Line("/// <summary>The number of outer indices in an input of <paramref name=\"length\"/> elements.</summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"length\"/> is not a multiple of <see cref=\"Reduced\"/> × <see cref=\"Inner\"/>.</exception>");
        writer.Line($"public static int OuterCount(int length) => {Runtime}.KernelArguments.RowCount(length, Reduced * Inner, nameof(length));");
        writer.Line();
        writer.Line("/// <summary>The number of columns (and of saved statistics) in an input of <paramref name=\"length\"/> elements.</summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"length\"/> is not a multiple of <see cref=\"Reduced\"/> × <see cref=\"Inner\"/>.</exception>");
        writer.Line("public static int ColumnCount(int length) => OuterCount(length) * Inner;");
        writer.Line();
        writer.Line(_panelWidth == _inner
            ? "// One work item (panel) is every column of one outer index: the inner extent is small."
            : $"// One work item (panel) is {_panelWidth} adjacent columns of one outer index: a multiple of every vector width, so only an");
        if (_panelWidth != _inner)
        {
            writer.Line($"// outer index's last panel can end in a partial vector; {_reduced} × {_panelWidth} elements keep a panel's scratch cache-sized.");
        }

        writer.Line($"private const int PanelWidth = {_panelWidth.ToString(CultureInfo.InvariantCulture)};");
        writer.Line("private const int PanelsPerOuter = (Inner + PanelWidth - 1) / PanelWidth;");
        writer.Line();
        writer.Line("// Parameter gradients accumulate per lane, in slots as wide as the widest vector; the lanes are summed once per block.");
        writer.Line($"private const int AccumulatorLanes = {64 / _t.Size};");
        writer.Line();
        writer.Line("// A column's elements are Inner apart, far beyond what the hardware prefetchers follow; while one block of columns");
        writer.Line("// is finished, each row's line 256 bytes ahead (a block or more later) is requested, so the next blocks find their");
        writer.Line("// rows in cache. Prefetches never fault, so the requests past a panel's end are harmless.");
        writer.Line($"private const int PrefetchDistance = {256 / _t.Size};");
    }

    private IEnumerable<string> StatisticNames => _centered ? new[] { "mean", "rstd" } : new[] { "rstd" };

    private List<string> ParameterGradients
    {
        get
        {
            var gradients = new List<string>();
            if (_norm.HasWeight)
            {
                gradients.Add("gradWeight");
            }

            if (_norm.HasBias)
            {
                gradients.Add("gradBias");
            }

            return gradients;
        }
    }

    /// <summary>Backward needs β only to recompute the pre-activation.</summary>
    private bool BackwardTakesBias => _activation && _norm.HasBias;

    private void WriteForward(CodeWriter writer)
    {
        var parameters = new List<string> { $"{ReadOnlySpan}<{S}> input" };
        if (_norm.HasWeight)
        {
            parameters.Add($"{ReadOnlySpan}<{S}> weight");
        }

        if (_norm.HasBias)
        {
            parameters.Add($"{ReadOnlySpan}<{S}> bias");
        }

        parameters.Add($"{Span}<{S}> output");
        string affineArguments = string.Concat(parameters.Skip(1).Take(parameters.Count - 2).Select(p => p.Split(' ').Last() + ", "));

        writer.Line("/// <summary>Normalizes every column of <paramref name=\"input\"/> into <paramref name=\"output\"/>, which may be the same memory.</summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, or <paramref name=\"output\"/> partly overlaps <paramref name=\"input\"/>.</exception>");
        writer.Line($"public static void Forward({string.Join(", ", parameters)})");
        writer.Line($"    => Forward(input, {affineArguments}output, {string.Join(", ", StatisticNames.Select(_ => "default"))});");
        writer.Line();

        foreach (string statistic in StatisticNames)
        {
            parameters.Add($"{Span}<{T}> {statistic}");
        }

        writer.Line("/// <summary>");
        writer.Line("/// Normalizes every column of <paramref name=\"input\"/> into <paramref name=\"output\"/>, which may be the same memory,");
        writer.Line(_centered
            ? "/// and saves each column's mean and reciprocal standard deviation for <c>Backward</c>."
            : "/// and saves each column's reciprocal root mean square for <c>Backward</c>.");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>The statistics spans hold one element per column, laid out [outer, Inner]; pass empty spans to skip saving them.</remarks>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, or <paramref name=\"output\"/> partly overlaps <paramref name=\"input\"/>.</exception>");
        using (writer.Block($"public static void Forward({string.Join(", ", parameters)})"))
        {
            writer.Line($"int outer = {Runtime}.KernelArguments.RowCount(input.Length, Reduced * Inner, nameof(input));");
            WriteParameterChecks(writer, _norm.HasBias);
            writer.Line($"{Runtime}.KernelArguments.RequireLength(output.Length, input.Length, nameof(output));");
            foreach (string statistic in StatisticNames)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireLengthOrEmpty({statistic}.Length, (long)outer * Inner, nameof({statistic}));");
            }

            writer.Line($"{Runtime}.KernelArguments.RequireNoPartialOverlap(input, output, nameof(output));");
            writer.Line();

            var storagePins = new List<string> { "x = input", "y = output" };
            var computePins = new List<string>();
            var arguments = new List<string> { "x" };
            arguments.AddRange(ParameterPointers(_norm.HasBias));
            arguments.Add("y");
            arguments.AddRange(StatisticNames.Select(s => s + "Out"));
            computePins.AddRange(StatisticNames.Select(s => $"{s}Out = {s}"));
            string launch = $"{Runtime}.RowScheduler.Run(new ForwardPanels({string.Join(", ", arguments)}), outer * PanelsPerOuter, Reduced * PanelWidth);";
            WriteWithParameters(writer, _norm.HasBias, storagePins, computePins, launch);
        }
    }

    private void WriteBackward(CodeWriter writer)
    {
        var parameters = new List<string> { $"{ReadOnlySpan}<{S}> gradOutput", $"{ReadOnlySpan}<{S}> input" };
        if (_norm.HasWeight)
        {
            parameters.Add($"{ReadOnlySpan}<{S}> weight");
        }

        if (BackwardTakesBias)
        {
            parameters.Add($"{ReadOnlySpan}<{S}> bias");
        }

        parameters.AddRange(StatisticNames.Select(s => $"{ReadOnlySpan}<{T}> {s}"));
        parameters.Add($"{Span}<{S}> gradInput");
        parameters.AddRange(ParameterGradients.Select(g => $"{Span}<{S}> {g}"));

        writer.Line("/// <summary>");
        if (ParameterGradients.Count > 0)
        {
            writer.Line("/// Back-propagates <paramref name=\"gradOutput\"/> through the norm: writes the input gradient, and");
            writer.Line("/// (over)writes the parameter gradients summed over all columns. Uses the statistics saved by <c>Forward</c>.");
            writer.Line("/// </summary>");
            writer.Line("/// <remarks>");
            writer.Line("/// Pass an empty span for a parameter gradient that is not needed. Parameter gradients are summed over");
            writer.Line("/// blocks of panels fixed by the shape alone, in a fixed order: results are bitwise reproducible at any thread count.");
            if (BackwardTakesBias)
            {
                writer.Line("/// The bias recomputes the activation's input from the saved statistics.");
            }

            writer.Line("/// </remarks>");
        }
        else
        {
            writer.Line("/// Back-propagates <paramref name=\"gradOutput\"/> through the norm into the input gradient.");
            writer.Line("/// Uses the statistics saved by <c>Forward</c>.");
            writer.Line("/// </summary>");
        }

        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, or <paramref name=\"gradInput\"/> partly overlaps an input.</exception>");
        using (writer.Block($"public static void Backward({string.Join(", ", parameters)})"))
        {
            writer.Line($"int outer = {Runtime}.KernelArguments.RowCount(input.Length, Reduced * Inner, nameof(input));");
            writer.Line($"{Runtime}.KernelArguments.RequireLength(gradOutput.Length, input.Length, nameof(gradOutput));");
            WriteParameterChecks(writer, BackwardTakesBias);
            foreach (string statistic in StatisticNames)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireLength({statistic}.Length, (long)outer * Inner, nameof({statistic}));");
            }

            writer.Line($"{Runtime}.KernelArguments.RequireLength(gradInput.Length, input.Length, nameof(gradInput));");
            foreach (string gradient in ParameterGradients)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireLengthOrEmpty({gradient}.Length, Reduced, nameof({gradient}));");
            }

            writer.Line($"{Runtime}.KernelArguments.RequireNoPartialOverlap(gradOutput, gradInput, nameof(gradInput));");
            writer.Line($"{Runtime}.KernelArguments.RequireNoPartialOverlap(input, gradInput, nameof(gradInput));");
            writer.Line();
            writer.Line($"{Runtime}.ReductionPlan plan = {Runtime}.ReductionPlan.For(outer * PanelsPerOuter, Reduced * PanelWidth);");
            string extra = _half ? " + Reduced" : "";
            if (_half && ParameterGradients.Count > 0)
            {
                writer.Line("// Each partial buffer ends with room for the float sum, which is then narrowed to Half.");
            }

            foreach (string gradient in ParameterGradients)
            {
                writer.Line($"{T}[]? {gradient}Partials = {gradient}.IsEmpty ? null : {Pool}<{T}>.Shared.Rent(plan.BlockCount * Reduced{extra});");
            }

            if (ParameterGradients.Count == 0)
            {
                WriteBackwardLaunch(writer);
                return;
            }

            using (writer.Block("try"))
            {
                WriteBackwardLaunch(writer);
            }

            using (writer.Block("finally"))
            {
                foreach (string gradient in ParameterGradients)
                {
                    writer.Line($"if ({gradient}Partials is not null) {Pool}<{T}>.Shared.Return({gradient}Partials);");
                }
            }
        }
    }

    private void WriteBackwardLaunch(CodeWriter writer)
    {
        var storagePins = new List<string> { "dy = gradOutput", "x = input", "dx = gradInput" };
        var computePins = StatisticNames.Select(s => $"{s}In = {s}").ToList();
        computePins.AddRange(ParameterGradients.Select(g => $"{g}Partial = {g}Partials"));
        var arguments = new List<string> { "dy", "x" };
        arguments.AddRange(ParameterPointers(BackwardTakesBias));
        arguments.AddRange(StatisticNames.Select(s => s + "In"));
        arguments.Add("dx");
        arguments.AddRange(ParameterGradients.Select(g => g + "Partial"));
        string launch = $"{Runtime}.RowScheduler.Run(new BackwardPanels({string.Join(", ", arguments)}), plan, Reduced * PanelWidth);";
        WriteWithParameters(writer, BackwardTakesBias, storagePins, computePins, launch);

        foreach (string gradient in ParameterGradients)
        {
            if (_half)
            {
                writer.Line($"if ({gradient}Partials is not null)");
                writer.Line("{");
                writer.Line($"    {Span}<float> sum = new {Span}<float>({gradient}Partials, plan.BlockCount * Reduced, Reduced);");
                writer.Line($"    {Runtime}.PartialSums.Reduce<float>(new {ReadOnlySpan}<float>({gradient}Partials, 0, plan.BlockCount * Reduced), plan.BlockCount, sum);");
                writer.Line($"    {Runtime}.HalfConversion.ToHalf(sum, {gradient});");
                writer.Line("}");
            }
            else
            {
                writer.Line($"if ({gradient}Partials is not null) {Runtime}.PartialSums.Reduce<{T}>(new {ReadOnlySpan}<{T}>({gradient}Partials, 0, plan.BlockCount * Reduced), plan.BlockCount, {gradient});");
            }
        }
    }

    private void WriteParameterChecks(CodeWriter writer, bool withBias)
    {
        if (_norm.HasWeight)
        {
            writer.Line($"{Runtime}.KernelArguments.RequireLength(weight.Length, Reduced, nameof(weight));");
        }

        if (withBias && _norm.HasBias)
        {
            writer.Line($"{Runtime}.KernelArguments.RequireLength(bias.Length, Reduced, nameof(bias));");
        }
    }

    /// <summary>The parameter pointers a launch passes: <c>w</c> and, when asked for, <c>b</c>.</summary>
    private List<string> ParameterPointers(bool withBias)
    {
        var pointers = new List<string>();
        if (_norm.HasWeight)
        {
            pointers.Add("w");
        }

        if (withBias && _norm.HasBias)
        {
            pointers.Add("b");
        }

        return pointers;
    }

    /// <summary>
    /// Pins the spans and runs <paramref name="launch"/>. Float and double parameters are pinned as they are;
    /// Half parameters are first widened into a pooled float buffer, once per call.
    /// </summary>
    private void WriteWithParameters(CodeWriter writer, bool withBias, List<string> storagePins, List<string> computePins, string launch)
    {
        List<string> parameters = ParameterPointers(withBias);
        if (!_half)
        {
            var pins = new List<string>(storagePins);
            pins.AddRange(parameters.Select(p => p == "w" ? "w = weight" : "b = bias"));
            pins.AddRange(computePins);
            using (writer.Block($"fixed ({T}* {string.Join(", ", pins)})"))
            {
                writer.Line(launch);
            }

            return;
        }

        if (parameters.Count == 0)
        {
            writer.Line($"fixed ({S}* {string.Join(", ", storagePins)})");
            using (writer.Block($"fixed (float* {string.Join(", ", computePins)})"))
            {
                writer.Line(launch);
            }

            return;
        }

        writer.Line("// The kernel computes in float: the Half parameters are widened once per call.");
        writer.Line($"float[] parameters = {Pool}<float>.Shared.Rent({parameters.Count} * Reduced);");
        using (writer.Block("try"))
        {
            for (int i = 0; i < parameters.Count; i++)
            {
                string source = parameters[i] == "w" ? "weight" : "bias";
                writer.Line($"{Runtime}.HalfConversion.ToSingle({source}, new {Span}<float>(parameters, {(i == 0 ? "0" : "Reduced")}, Reduced));");
            }

            writer.Line($"fixed ({S}* {string.Join(", ", storagePins)})");
            var pins = new List<string> { "w = parameters" };
            pins.AddRange(computePins);
            if (parameters.Count == 1 && parameters[0] == "b")
            {
                pins[0] = "b = parameters";
            }

            using (writer.Block($"fixed (float* {string.Join(", ", pins)})"))
            {
                if (parameters.Count == 2)
                {
                    writer.Line("float* b = w + Reduced;");
                }

                writer.Line(launch);
            }
        }

        using (writer.Block("finally"))
        {
            writer.Line($"{Pool}<float>.Shared.Return(parameters);");
        }
    }

    // ---------------------------------------------------------------- work items

    private void WritePanelCoordinates(CodeWriter writer)
    {
        writer.Line("int o = item / PanelsPerOuter;");
        writer.Line("int q0 = (item - o * PanelsPerOuter) * PanelWidth;");
        writer.Line("int width = global::System.Math.Min(PanelWidth, Inner - q0);");
        writer.Line("long offset = (long)o * Reduced * Inner + q0;");
        writer.Line("long column = (long)o * Inner + q0;");
    }

    private void WriteForwardPanels(CodeWriter writer)
    {
        var fields = new List<(string Type, string Name)> { (S, "x") };
        fields.AddRange(ParameterPointers(_norm.HasBias).Select(p => (T, p)));
        fields.Add((S, "y"));
        fields.AddRange(StatisticNames.Select(s => (T, s)));

        writer.Line("/// <summary>Normalizes a range of panels; holds pointers pinned by <c>Forward</c>.</summary>");
        using (writer.Block($"private readonly struct ForwardPanels : {Runtime}.IRowKernel"))
        {
            WritePointerFields(writer, "ForwardPanels", fields);
            writer.Line();
            writer.Line(Optimized);
            using (writer.Block("public void Execute(int firstItem, int itemCount)"))
            {
                string parameters = string.Concat(ParameterPointers(_norm.HasBias).Select(p => $"_{p}, "));
                string statistics(string prefix) => string.Join(", ", StatisticNames.Select(s => $"_{s} == null ? null : _{s} + {prefix}"));
                if (!Widens)
                {
                    using (writer.Block("for (int item = firstItem; item < firstItem + itemCount; item++)"))
                    {
                        WritePanelCoordinates(writer);
                        writer.Line($"ForwardPanel(_x + offset, Inner, {parameters}_y + offset, Inner, {statistics("column")}, width);");
                        if (_activation)
                        {
                            writer.Line($"ActivatePanel(_y + offset, width);");
                        }
                    }

                    return;
                }

                writer.Line("// Each panel is widened into float scratch, normalized there in place, and narrowed into the output.");
                writer.Line($"float[] scratch = {Pool}<float>.Shared.Rent(Reduced * PanelWidth);");
                using (writer.Block("try"))
                {
                    using (writer.Block("fixed (float* panel = scratch)"))
                    {
                        using (writer.Block("for (int item = firstItem; item < firstItem + itemCount; item++)"))
                        {
                            WritePanelCoordinates(writer);
                            writer.Line("WidenPanel(_x + offset, panel, width);");
                            writer.Line($"ForwardPanel(panel, width, {parameters}panel, width, {statistics("column")}, width);");
                            if (_activation)
                            {
                                writer.Line($"{ActivationMethod(false)}(new {ReadOnlySpan}<float>(panel, Reduced * width), new {Span}<float>(panel, Reduced * width));");
                            }

                            writer.Line("NarrowPanel(panel, _y + offset, width);");
                        }
                    }
                }

                using (writer.Block("finally"))
                {
                    writer.Line($"{Pool}<float>.Shared.Return(scratch);");
                }
            }
        }
    }

    private void WriteBackwardPanels(CodeWriter writer)
    {
        var fields = new List<(string Type, string Name)> { (S, "dy"), (S, "x") };
        fields.AddRange(ParameterPointers(BackwardTakesBias).Select(p => (T, p)));
        fields.AddRange(StatisticNames.Select(s => (T, s)));
        fields.Add((S, "dx"));
        fields.AddRange(ParameterGradients.Select(g => (T, g + "Partial")));

        writer.Line("/// <summary>Back-propagates one block of panels, summing its parameter gradients into the block's own partial rows.</summary>");
        using (writer.Block($"private readonly struct BackwardPanels : {Runtime}.IRowBlockKernel"))
        {
            WritePointerFields(writer, "BackwardPanels", fields);
            writer.Line();
            writer.Line(Optimized);
            using (writer.Block("public void Execute(int block, int firstItem, int itemCount)"))
            {
                bool gradients = ParameterGradients.Count > 0;
                int scratchPanels = (_half ? 2 : 0) + (_activation ? (_half ? 1 : 2) : 0);
                if (gradients)
                {
                    string requested = string.Join(" || ", ParameterGradients.Select(g => $"_{g}Partial != null"));
                    writer.Line("// Per-lane accumulators of the parameter gradients: Reduced slots of AccumulatorLanes each.");
                    writer.Line($"{T}[]? lanes = {requested} ? {Pool}<{T}>.Shared.Rent({ParameterGradients.Count} * Reduced * AccumulatorLanes) : null;");
                }

                if (scratchPanels > 0)
                {
                    writer.Line(_half
                        ? (_activation
                            ? "// Float scratch panels: x and dy widened from Half (dy becomes dz, then dx), and the recomputed pre-activation z."
                            : "// Float scratch panels: x and dy widened from Half; dx is computed over dy's panel and narrowed out.")
                        : "// Scratch panels: the recomputed pre-activation z, and dz = dy·act'(z).");
                    writer.Line($"{T}[] scratch = {Pool}<{T}>.Shared.Rent({scratchPanels} * Reduced * PanelWidth);");
                }

                if (!gradients && scratchPanels == 0)
                {
                    WriteBackwardItems(writer);
                    return;
                }

                using (writer.Block("try"))
                {
                    var pins = new List<string>();
                    if (gradients)
                    {
                        pins.Add("accumulators = lanes");
                    }

                    if (scratchPanels > 0)
                    {
                        pins.Add("panels = scratch");
                    }

                    using (writer.Block($"fixed ({T}* {string.Join(", ", pins)})"))
                    {
                        for (int i = 0; i < ParameterGradients.Count; i++)
                        {
                            string g = ParameterGradients[i];
                            string slot = i == 0 ? "accumulators" : $"accumulators + {i} * Reduced * AccumulatorLanes";
                            writer.Line($"{T}* {g} = _{g}Partial == null ? null : {slot};");
                            writer.Line($"if ({g} != null) new {Span}<{T}>({g}, Reduced * AccumulatorLanes).Clear();");
                        }

                        WriteBackwardItems(writer);

                        if (gradients)
                        {
                            writer.Line();
                            writer.Line("// Each slot's lanes, summed in lane order, make the block's partial row.");
                            foreach (string g in ParameterGradients)
                            {
                                writer.Line($"if ({g} != null) FoldLanes({g}, _{g}Partial + (long)block * Reduced);");
                            }
                        }
                    }
                }

                using (writer.Block("finally"))
                {
                    if (gradients)
                    {
                        writer.Line($"if (lanes is not null) {Pool}<{T}>.Shared.Return(lanes);");
                    }

                    if (scratchPanels > 0)
                    {
                        writer.Line($"{Pool}<{T}>.Shared.Return(scratch);");
                    }
                }
            }
        }
    }

    private void WriteBackwardItems(CodeWriter writer)
    {
        string gradients = string.Concat(ParameterGradients.Select(g => ", " + g));
        string parameters = string.Concat(ParameterPointers(false).Select(p => $"_{p}, "));
        string statistics = string.Concat(StatisticNames.Select(s => $"_{s} + column, "));
        string zParameters = string.Concat(ParameterPointers(true).Select(p => $"_{p}, "));
        using (writer.Block("for (int item = firstItem; item < firstItem + itemCount; item++)"))
        {
            WritePanelCoordinates(writer);
            if (_half)
            {
                writer.Line("float* xPanel = panels;");
                writer.Line("float* dyPanel = panels + Reduced * PanelWidth;");
                writer.Line("WidenPanel(_x + offset, xPanel, width);");
                writer.Line("WidenPanel(_dy + offset, dyPanel, width);");
                if (_activation)
                {
                    writer.Line("float* zPanel = panels + 2 * Reduced * PanelWidth;");
                    writer.Line($"NormalizePanel(xPanel, width, {zParameters}{statistics}zPanel, width, width);");
                    writer.Line($"{ActivationMethod(true)}(new {ReadOnlySpan}<float>(zPanel, Reduced * width), new {Span}<float>(dyPanel, Reduced * width));");
                }

                writer.Line($"BackwardPanel(dyPanel, width, xPanel, width, {parameters}{statistics}dyPanel, width{gradients}, width);");
                writer.Line("NarrowPanel(dyPanel, _dx + offset, width);");
            }
            else if (_activation)
            {
                writer.Line($"{T}* zPanel = panels;");
                writer.Line($"{T}* dzPanel = panels + Reduced * PanelWidth;");
                writer.Line($"NormalizePanel(_x + offset, Inner, {zParameters}{statistics}zPanel, width, width);");
                writer.Line("GatherPanel(_dy + offset, dzPanel, width);");
                writer.Line($"{ActivationMethod(true)}(new {ReadOnlySpan}<{T}>(zPanel, Reduced * width), new {Span}<{T}>(dzPanel, Reduced * width));");
                writer.Line($"BackwardPanel(dzPanel, width, _x + offset, Inner, {parameters}{statistics}_dx + offset, Inner{gradients}, width);");
            }
            else
            {
                writer.Line($"BackwardPanel(_dy + offset, Inner, _x + offset, Inner, {parameters}{statistics}_dx + offset, Inner{gradients}, width);");
            }
        }
    }

    private static void WritePointerFields(CodeWriter writer, string typeName, List<(string Type, string Name)> fields)
    {
        foreach ((string type, string name) in fields)
        {
            writer.Line($"private readonly {type}* _{name};");
        }

        writer.Line();
        writer.Line($"public {typeName}({string.Join(", ", fields.Select(f => $"{f.Type}* {f.Name}"))})");
        writer.Line("{");
        foreach ((_, string name) in fields)
        {
            writer.Line($"    _{name} = {name};");
        }

        writer.Line("}");
    }

    // ---------------------------------------------------------------- panels

    /// <summary>The parameters of a panel routine for the forward pass, in the compute type.</summary>
    private string AffineParameters(bool withBias) => string.Concat(ParameterPointers(withBias).Select(p => $"{T}* {p}, "));

    private string AffineArguments(bool withBias) => string.Concat(ParameterPointers(withBias).Select(p => p + ", "));

    private void WriteForwardPanel(CodeWriter writer)
    {
        string statistics = string.Join(", ", StatisticNames.Select(s => $"{T}* {s}"));
        writer.Line("/// <summary>");
        writer.Line("/// Normalizes <paramref name=\"width\"/> adjacent columns: element (r, q) of the panel is at <c>x[r·xs + q]</c> and");
        writer.Line("/// <c>y[r·ys + q]</c>. Saves the statistics where asked (null pointers skip them).");
        writer.Line("/// </summary>");
        writer.Line(Optimized);
        using (writer.Block($"private static void ForwardPanel({T}* x, nint xs, {AffineParameters(_norm.HasBias)}{T}* y, nint ys, {statistics}, int width)"))
        {
            string affine = AffineArguments(_norm.HasBias);
            string outs(string type) => string.Join(", ", StatisticNames.Select(s => $"out {type} {s}Q"));
            string ins = string.Join(", ", StatisticNames.Select(s => s + "Q"));
            writer.Line("int q = 0;");
            WriteWidthDispatch(writer, (w, lanes) =>
            {
                writer.Line($"for (; q <= width - {lanes}; q += {lanes})");
                writer.Line("{");
                writer.Line($"    ColumnStatistics{w.Name}(x + q, xs, {outs($"{w.Helper}<{T}>")});");
                writer.Line($"    NormalizeColumns{w.Name}(x + q, xs, {affine}y + q, ys, {ins});");
                foreach (string s in StatisticNames)
                {
                    writer.Line($"    if ({s} != null) {w.Helper}.Store({s}Q, {s} + q);");
                }

                writer.Line("}");
            });
            writer.Line();
            writer.Line("// Columns after the last full vector, one at a time.");
            writer.Line("for (; q < width; q++)");
            writer.Line("{");
            writer.Line($"    ColumnStatisticsScalar(x + q, xs, {outs(T)});");
            writer.Line($"    NormalizeColumnScalar(x + q, xs, {affine}y + q, ys, {ins});");
            foreach (string s in StatisticNames)
            {
                writer.Line($"    if ({s} != null) {s}[q] = {s}Q;");
            }

            writer.Line("}");
        }
    }

    private void WriteNormalizePanel(CodeWriter writer)
    {
        string statistics = string.Join(", ", StatisticNames.Select(s => $"{T}* {s}"));
        writer.Line("/// <summary>Recomputes the pre-activation z = x̂·γ + β of a panel from saved statistics (for backward).</summary>");
        writer.Line(Optimized);
        using (writer.Block($"private static void NormalizePanel({T}* x, nint xs, {AffineParameters(true)}{statistics}, {T}* z, nint zs, int width)"))
        {
            string affine = AffineArguments(true);
            writer.Line("int q = 0;");
            WriteWidthDispatch(writer, (w, lanes) =>
            {
                string loads = string.Join(", ", StatisticNames.Select(s => $"{w.Helper}.Load({s} + q)"));
                writer.Line($"for (; q <= width - {lanes}; q += {lanes}) NormalizeColumns{w.Name}(x + q, xs, {affine}z + q, zs, {loads});");
            });
            writer.Line();
            string scalars = string.Join(", ", StatisticNames.Select(s => $"{s}[q]"));
            writer.Line($"for (; q < width; q++) NormalizeColumnScalar(x + q, xs, {affine}z + q, zs, {scalars});");
        }
    }

    private void WriteBackwardPanel(CodeWriter writer)
    {
        string statistics = string.Concat(StatisticNames.Select(s => $"{T}* {s}, "));
        string gradients = string.Concat(ParameterGradients.Select(g => $", {T}* {g}"));
        string gradientArguments = string.Concat(ParameterGradients.Select(g => ", " + g));
        string weight = _norm.HasWeight ? "w, " : "";
        writer.Line("/// <summary>");
        writer.Line("/// Back-propagates <paramref name=\"width\"/> adjacent columns (strides as in <c>ForwardPanel</c>); adds the parameter");
        writer.Line("/// gradients' terms to the per-lane accumulators (null pointers skip them).");
        writer.Line("/// </summary>");
        writer.Line(Optimized);
        using (writer.Block($"private static void BackwardPanel({T}* dy, nint dys, {T}* x, nint xs, {(_norm.HasWeight ? $"{T}* w, " : "")}{statistics}{T}* dx, nint dxs{gradients}, int width)"))
        {
            writer.Line("int q = 0;");
            WriteWidthDispatch(writer, (w, lanes) =>
            {
                string loads = string.Concat(StatisticNames.Select(s => $"{w.Helper}.Load({s} + q), "));
                writer.Line($"for (; q <= width - {lanes}; q += {lanes}) BackwardColumns{w.Name}(dy + q, dys, x + q, xs, {weight}{loads}dx + q, dxs{gradientArguments});");
            });
            writer.Line();
            string scalars = string.Concat(StatisticNames.Select(s => $"{s}[q], "));
            string tailGradients = string.Concat(ParameterGradients.Select(g => $", {g}"));
            writer.Line($"for (; q < width; q++) BackwardColumnScalar(dy + q, dys, x + q, xs, {weight}{scalars}dx + q, dxs{tailGradients});");
        }
    }

    /// <summary>
    /// Writes the if / else-if chain over vector widths. <c>IsHardwareAccelerated</c> and the constant inner extent fold
    /// to constants, so only the chosen width survives in the machine code.
    /// </summary>
    private void WriteWidthDispatch(CodeWriter writer, Action<VectorWidth, int> body)
    {
        string keyword = "if";
        foreach (VectorWidth width in VectorWidth.All)
        {
            int lanes = width.Lanes(_t);
            using (writer.Block($"{keyword} ({width.Helper}.IsHardwareAccelerated && Inner >= {lanes})"))
            {
                body(width, lanes);
            }

            keyword = "else if";
        }
    }

    private void WritePanelHelpers(CodeWriter writer)
    {
        if (ParameterGradients.Count > 0)
        {
            writer.Line();
            writer.Line("/// <summary>Sums each slot of <c>AccumulatorLanes</c> lanes, in lane order, into <paramref name=\"partial\"/>.</summary>");
            using (writer.Block($"private static void FoldLanes({T}* lanes, {T}* partial)"))
            {
                using (writer.Block("for (int r = 0; r < Reduced; r++, lanes += AccumulatorLanes)"))
                {
                    writer.Line($"{T} sum = lanes[0];");
                    writer.Line("for (int lane = 1; lane < AccumulatorLanes; lane++) sum += lanes[lane];");
                    writer.Line("partial[r] = sum;");
                }
            }
        }

        if (_half)
        {
            writer.Line();
            writer.Line("/// <summary>Widens a panel's Reduced rows of <paramref name=\"width\"/> halves, Inner apart, into dense float rows.</summary>");
            using (writer.Block("private static void WidenPanel(global::System.Half* source, float* panel, int width)"))
            {
                WriteRowCopy(writer, "source", "global::System.Half", "Inner", "panel", "float", "width", $"{Runtime}.HalfConversion.ToSingle");
            }

            writer.Line();
            writer.Line("/// <summary>Narrows a dense float panel back into Reduced rows of <paramref name=\"width\"/> halves, Inner apart.</summary>");
            using (writer.Block("private static void NarrowPanel(float* panel, global::System.Half* destination, int width)"))
            {
                WriteRowCopy(writer, "panel", "float", "width", "destination", "global::System.Half", "Inner", $"{Runtime}.HalfConversion.ToHalf");
            }
        }

        if (_activation && !_half)
        {
            writer.Line();
            writer.Line($"/// <summary>Applies {ActivationName} in place to a panel's Reduced rows of <paramref name=\"width\"/> elements, Inner apart.</summary>");
            using (writer.Block($"private static void ActivatePanel({T}* y, int width)"))
            {
                WriteRowCopy(writer, "y", T, "Inner", "y", T, "Inner", ActivationMethod(false));
            }

            writer.Line();
            writer.Line("/// <summary>Copies a panel's Reduced rows of <paramref name=\"width\"/> elements, Inner apart, into dense rows.</summary>");
            using (writer.Block($"private static void GatherPanel({T}* source, {T}* panel, int width)"))
            {
                WriteRowCopy(writer, "source", T, "Inner", "panel", T, "width", null);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="method"/> (a span-to-span routine; a copy when null) over a panel's rows. When a panel is a
    /// whole outer index, its rows are contiguous on both sides and one call covers them all.
    /// </summary>
    private void WriteRowCopy(CodeWriter writer, string source, string sourceType, string sourceStride, string destination, string destinationType, string destinationStride, string? method)
    {
        string call(string from, string to, string length) => method is null
            ? $"new {ReadOnlySpan}<{sourceType}>({from}, {length}).CopyTo(new {Span}<{destinationType}>({to}, {length}));"
            : $"{method}(new {ReadOnlySpan}<{sourceType}>({from}, {length}), new {Span}<{destinationType}>({to}, {length}));";

        if (_panelWidth == _inner)
        {
            writer.Line("// A panel is a whole outer index: its rows are contiguous on both sides, so one call covers them all.");
            writer.Line(call(source, destination, "Reduced * width"));
            return;
        }

        writer.Line("for (int r = 0; r < Reduced; r++)");
        writer.Line("{");
        writer.Line("    " + call($"{source} + (long)r * {sourceStride}", $"{destination} + (long)r * {destinationStride}", "width"));
        writer.Line("}");
    }

    // ---------------------------------------------------------------- column routines

    private void WriteColumnStatisticsVector(CodeWriter writer, VectorWidth width)
    {
        string v = width.Helper;
        string vt = $"{v}<{T}>";
        string outs = string.Join(", ", StatisticNames.Select(s => $"out {vt} {s}"));

        writer.Line(_centered
            ? $"/// <summary>Mean and reciprocal standard deviation of {width.Lanes(_t)} adjacent columns, one per lane.</summary>"
            : $"/// <summary>Reciprocal root mean square of {width.Lanes(_t)} adjacent columns, one per lane.</summary>");
        writer.Line(Inline);
        writer.Line($"private static void ColumnStatistics{width.Name}({T}* x, nint xs, {outs})");
        writer.Line("{");
        writer.Line("    // Each lane walks its own column down the reduced axis: per-lane sums, no horizontal reduction.");
        writer.Line("    // Two accumulators (even and odd r) halve the dependency chain.");
        writer.Line($"    {vt} s0 = {vt}.Zero, s1 = s0;");
        writer.Line($"    {T}* p = x;");
        writer.Line("    int r = 0;");
        if (_centered)
        {
            writer.Line("    for (; r <= Reduced - 2; r += 2, p += 2 * xs)");
            writer.Line("    {");
            writer.Line($"        s0 += {v}.Load(p);");
            writer.Line($"        s1 += {v}.Load(p + xs);");
            writer.Line("    }");
            writer.Line();
            writer.Line($"    if (r < Reduced) s0 += {v}.Load(p);");
            writer.Line("    mean = (s0 + s1) / Reduced;");
            writer.Line();
            writer.Line("    // Second pass, over columns still in cache: deviations from that mean and their squares. The deviations' sum");
            writer.Line("    // corrects the mean's rounding (the corrected two-pass algorithm): a large common offset keeps an accurate");
            writer.Line("    // variance, and a constant column gets its exact value as mean and a zero variance.");
            writer.Line($"    {vt} q0 = {vt}.Zero, q1 = q0;");
            writer.Line("    s0 = s1 = q0;");
            writer.Line("    p = x;");
            writer.Line("    for (r = 0; r <= Reduced - 2; r += 2, p += 2 * xs)");
            writer.Line("    {");
            writer.Line($"        {vt} d0 = {v}.Load(p) - mean;");
            writer.Line($"        {vt} d1 = {v}.Load(p + xs) - mean;");
            writer.Line("        s0 += d0;");
            writer.Line("        s1 += d1;");
            writer.Line("        q0 += d0 * d0;");
            writer.Line("        q1 += d1 * d1;");
            writer.Line("    }");
            writer.Line();
            writer.Line("    if (r < Reduced)");
            writer.Line("    {");
            writer.Line($"        {vt} d = {v}.Load(p) - mean;");
            writer.Line("        s0 += d;");
            writer.Line("        q0 += d * d;");
            writer.Line("    }");
            writer.Line();
            writer.Line($"    {vt} deviations = s0 + s1, squares = q0 + q1;");
            writer.Line($"    {vt} shift = deviations / Reduced;");
            writer.Line("    mean += shift;");
            writer.Line("    squares -= deviations * shift;");
            writer.Line();
            writer.Line("    // Clamp rounding below zero; a NaN compares false and stays NaN.");
            writer.Line($"    squares = {v}.ConditionalSelect({v}.LessThan(squares, {vt}.Zero), {vt}.Zero, squares);");
        }
        else
        {
            writer.Line("    for (; r <= Reduced - 2; r += 2, p += 2 * xs)");
            writer.Line("    {");
            writer.Line($"        {vt} x0 = {v}.Load(p);");
            writer.Line($"        {vt} x1 = {v}.Load(p + xs);");
            writer.Line("        s0 += x0 * x0;");
            writer.Line("        s1 += x1 * x1;");
            writer.Line("    }");
            writer.Line();
            writer.Line("    if (r < Reduced)");
            writer.Line("    {");
            writer.Line($"        {vt} xr = {v}.Load(p);");
            writer.Line("        s0 += xr * xr;");
            writer.Line("    }");
            writer.Line();
            writer.Line($"    {vt} squares = s0 + s1;");
        }

        writer.Line($"    rstd = {vt}.One / {v}.Sqrt(squares / Reduced + {v}.Create(Epsilon));");
        writer.Line("}");
    }

    private void WriteNormalizeColumnsVector(CodeWriter writer, VectorWidth width)
    {
        string v = width.Helper;
        string vt = $"{v}<{T}>";
        string statistics = string.Join(", ", StatisticNames.Select(s => $"{vt} {s}"));
        writer.Line(AffineComment(width.Lanes(_t) + " adjacent columns"));
        writer.Line(Inline);
        writer.Line($"private static void NormalizeColumns{width.Name}({T}* x, nint xs, {AffineParameters(_norm.HasBias)}{T}* y, nint ys, {statistics})");
        writer.Line("{");
        writer.Line("    for (int r = 0; r < Reduced; r++, x += xs, y += ys)");
        writer.Line("    {");
        writer.Line($"        {Prefetch("x + PrefetchDistance")}");
        string normalized = _centered ? $"({v}.Load(x) - mean) * rstd" : $"{v}.Load(x) * rstd";
        writer.Line($"        {v}.Store({Affine(normalized, $"{v}.Create(w[r])", $"{v}.Create(b[r])")}, y);");
        writer.Line("    }");
        writer.Line("}");
    }

    /// <summary>A software prefetch into all cache levels where the platform has one (x86); the JIT drops it elsewhere.</summary>
    private static string Prefetch(string address) =>
        $"if (global::System.Runtime.Intrinsics.X86.Sse.IsSupported) global::System.Runtime.Intrinsics.X86.Sse.Prefetch0({address});";

    private string AffineComment(string what) => (_norm.HasWeight, _norm.HasBias) switch
    {
        (true, true) => $"/// <summary>Normalizes {what}, then scales and shifts by γ[r], β[r] broadcast across the lanes.</summary>",
        (true, false) => $"/// <summary>Normalizes {what}, then scales by γ[r] broadcast across the lanes.</summary>",
        _ => $"/// <summary>Normalizes {what}.</summary>",
    };

    private void WriteBackwardColumnsVector(CodeWriter writer, VectorWidth width)
    {
        string v = width.Helper;
        string vt = $"{v}<{T}>";
        string statistics = string.Concat(StatisticNames.Select(s => $"{vt} {s}, "));
        string gradients = string.Concat(ParameterGradients.Select(g => $", {T}* {g}"));
        string xhat = _centered ? $"({v}.Load(px) - mean) * rstd" : $"{v}.Load(px) * rstd";
        string weight = _norm.HasWeight ? $" * {v}.Create(w[r])" : "";

        writer.Line($"/// <summary>Back-propagates {width.Lanes(_t)} adjacent columns, one per lane.</summary>");
        writer.Line(Inline);
        writer.Line($"private static void BackwardColumns{width.Name}({T}* dy, nint dys, {T}* x, nint xs, {(_norm.HasWeight ? $"{T}* w, " : "")}{statistics}{T}* dx, nint dxs{gradients})");
        writer.Line("{");
        string gDefinition = _norm.HasWeight ? "g = dy·γ" : "g = dy";
        writer.Line(_centered
            ? $"    // Column sums of g and g·x̂, where {gDefinition} and x̂ = (x - mean)·rstd."
            : $"    // Column sum of g·x̂, where {gDefinition} and x̂ = x·rstd.");
        writer.Line(_centered ? $"    {vt} sumG = {vt}.Zero, sumGX = sumG;" : $"    {vt} sumGX = {vt}.Zero;");
        writer.Line($"    {T}* pdy = dy, px = x;");
        writer.Line("    for (int r = 0; r < Reduced; r++, pdy += dys, px += xs)");
        writer.Line("    {");
        writer.Line($"        {vt} g = {v}.Load(pdy){weight};");
        if (_centered)
        {
            writer.Line("        sumG += g;");
        }

        writer.Line($"        sumGX += g * ({xhat});");
        writer.Line("    }");
        writer.Line();
        if (_centered)
        {
            writer.Line($"    {vt} gMean = sumG / Reduced;");
        }

        writer.Line($"    {vt} gxMean = sumGX / Reduced;");
        writer.Line();
        string parameterNote = (_norm.HasWeight, _norm.HasBias) switch
        {
            (true, true) => "; the lane accumulators take dy·x̂ and dy",
            (true, false) => "; the lane accumulators take dy·x̂",
            _ => "",
        };
        writer.Line(_centered
            ? $"    // dx = rstd·(g - mean(g) - x̂·mean(g·x̂)){parameterNote}."
            : $"    // dx = rstd·(g - x̂·mean(g·x̂)){parameterNote}.");
        writer.Line("    // Everything at r is read before dx at r is written: dx may be the same memory as dy or x.");
        writer.Line("    pdy = dy;");
        writer.Line("    px = x;");
        writer.Line("    for (int r = 0; r < Reduced; r++, pdy += dys, px += xs, dx += dxs)");
        writer.Line("    {");
        writer.Line($"        {Prefetch("pdy + PrefetchDistance")}");
        writer.Line($"        {Prefetch("px + PrefetchDistance")}");
        writer.Line($"        {vt} dyr = {v}.Load(pdy);");
        writer.Line($"        {vt} xhat = {xhat};");
        writer.Line(_centered
            ? $"        {v}.Store(rstd * (dyr{weight} - gMean - xhat * gxMean), dx);"
            : $"        {v}.Store(rstd * (dyr{weight} - xhat * gxMean), dx);");
        if (_norm.HasWeight)
        {
            writer.Line($"        if (gradWeight != null) {{ {T}* slot = gradWeight + r * AccumulatorLanes; {v}.Store({v}.Load(slot) + dyr * xhat, slot); }}");
        }

        if (_norm.HasBias)
        {
            writer.Line($"        if (gradBias != null) {{ {T}* slot = gradBias + r * AccumulatorLanes; {v}.Store({v}.Load(slot) + dyr, slot); }}");
        }

        writer.Line("    }");

        writer.Line("}");
    }

    private void WriteColumnStatisticsScalar(CodeWriter writer)
    {
        string outs = string.Join(", ", StatisticNames.Select(s => $"out {T} {s}"));
        writer.Line("/// <summary>The statistics of one column, for the columns after the last full vector.</summary>");
        writer.Line(Optimized);
        writer.Line($"private static void ColumnStatisticsScalar({T}* x, nint xs, {outs})");
        writer.Line("{");
        writer.Line($"    {T}* p = x;");
        if (_centered)
        {
            writer.Line($"    {T} sum = 0;");
            writer.Line("    for (int r = 0; r < Reduced; r++, p += xs) sum += *p;");
            writer.Line("    mean = sum / Reduced;");
            writer.Line($"    {T} deviations = 0, squares = 0;");
            writer.Line("    p = x;");
            writer.Line($"    for (int r = 0; r < Reduced; r++, p += xs) {{ {T} d = *p - mean; deviations += d; squares += d * d; }}");
            writer.Line($"    {T} shift = deviations / Reduced;");
            writer.Line("    mean += shift;");
            writer.Line("    squares -= deviations * shift;");
            writer.Line("    if (squares < 0) squares = 0;");
        }
        else
        {
            writer.Line($"    {T} squares = 0;");
            writer.Line("    for (int r = 0; r < Reduced; r++, p += xs) squares += *p * *p;");
        }

        writer.Line($"    rstd = 1 / {_t.Sqrt}(squares / Reduced + Epsilon);");
        writer.Line("}");
    }

    private void WriteNormalizeColumnScalar(CodeWriter writer)
    {
        string statistics = string.Join(", ", StatisticNames.Select(s => $"{T} {s}"));
        writer.Line(AffineComment("one column").Replace(" broadcast across the lanes", ""));
        writer.Line(Optimized);
        writer.Line($"private static void NormalizeColumnScalar({T}* x, nint xs, {AffineParameters(_norm.HasBias)}{T}* y, nint ys, {statistics})");
        writer.Line("{");
        string normalized = _centered ? "(*x - mean) * rstd" : "*x * rstd";
        writer.Line($"    for (int r = 0; r < Reduced; r++, x += xs, y += ys) *y = {Affine(normalized, "w[r]", "b[r]")};");
        writer.Line("}");
    }

    private void WriteBackwardColumnScalar(CodeWriter writer)
    {
        string statistics = string.Concat(StatisticNames.Select(s => $"{T} {s}, "));
        string gradients = string.Concat(ParameterGradients.Select(g => $", {T}* {g}"));
        string xhat = _centered ? "(*px - mean) * rstd" : "*px * rstd";
        string weight = _norm.HasWeight ? " * w[r]" : "";

        writer.Line("/// <summary>Back-propagates one column; its parameter-gradient terms go to lane 0 of each slot.</summary>");
        writer.Line(Optimized);
        writer.Line($"private static void BackwardColumnScalar({T}* dy, nint dys, {T}* x, nint xs, {(_norm.HasWeight ? $"{T}* w, " : "")}{statistics}{T}* dx, nint dxs{gradients})");
        writer.Line("{");
        writer.Line(_centered ? $"    {T} gMean = 0, gxMean = 0;" : $"    {T} gxMean = 0;");
        writer.Line($"    {T}* pdy = dy, px = x;");
        writer.Line(_centered
            ? $"    for (int r = 0; r < Reduced; r++, pdy += dys, px += xs) {{ {T} g = *pdy{weight}; gMean += g; gxMean += g * ({xhat}); }}"
            : $"    for (int r = 0; r < Reduced; r++, pdy += dys, px += xs) gxMean += *pdy{weight} * ({xhat});");
        if (_centered)
        {
            writer.Line("    gMean /= Reduced;");
        }

        writer.Line("    gxMean /= Reduced;");
        writer.Line("    pdy = dy;");
        writer.Line("    px = x;");
        writer.Line("    for (int r = 0; r < Reduced; r++, pdy += dys, px += xs, dx += dxs)");
        writer.Line("    {");
        writer.Line($"        {T} dyr = *pdy;");
        writer.Line($"        {T} xhat = {xhat};");
        writer.Line(_centered
            ? $"        *dx = rstd * (dyr{weight} - gMean - xhat * gxMean);"
            : $"        *dx = rstd * (dyr{weight} - xhat * gxMean);");
        if (_norm.HasWeight)
        {
            writer.Line("        if (gradWeight != null) gradWeight[r * AccumulatorLanes] += dyr * xhat;");
        }

        if (_norm.HasBias)
        {
            writer.Line("        if (gradBias != null) gradBias[r * AccumulatorLanes] += dyr;");
        }

        writer.Line("    }");
        writer.Line("}");
    }

    private string Affine(string normalized, string weight, string bias) => (_norm.HasWeight, _norm.HasBias) switch
    {
        (true, true) => $"{normalized} * {weight} + {bias}",
        (true, false) => $"{normalized} * {weight}",
        _ => normalized,
    };

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
