using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NormGen.Generators.Helpers;
using NormGen.Generators.Model;

namespace NormGen.Generators.Emitting;

/// <summary>
/// Writes the kernel of a norm whose rows are contiguous runs of <c>RowLength</c> elements:
/// LayerNorm (centered: mean and variance) and RMSNorm (uncentered: mean square) over trailing axes.
/// </summary>
/// <remarks>
/// Every row routine is written once per SIMD width (512, 256, 128 bits) and once in scalar code;
/// a dispatcher picks one through <c>IsHardwareAccelerated</c>, which the JIT folds to a constant,
/// so only one routine survives in the machine code. The row length and eps are constants, so the
/// JIT also drops the loops (main, remainder or tail) that a given row length never enters.
/// </remarks>
internal sealed class RowNormEmitter
{
    private const string Runtime = "global::NormGen.Kernels";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan";
    private const string Span = "global::System.Span";

    private readonly NormSpec _norm;
    private readonly ElementTypeInfo _t;
    private readonly bool _centered;

    private RowNormEmitter(NormSpec norm)
    {
        _norm = norm;
        _t = ElementTypeInfo.Of(norm.Element);
        _centered = norm.Kind == NormKind.LayerNorm;
    }

    private string T => _t.Keyword;

    public static void Emit(CodeWriter writer, NormSpec norm) => new RowNormEmitter(norm).Emit(writer);

    private void Emit(CodeWriter writer)
    {
        WriteSummary(writer);
        writer.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"{Parsing.KnownNames.GeneratorTool}\", \"{typeof(RowNormEmitter).Assembly.GetName().Version}\")]");
        using (writer.Block($"public static unsafe class {_norm.KernelName}"))
        {
            WriteConstants(writer);
            writer.Line();
            WriteForward(writer);
            writer.Line();
            WriteBackward(writer);
            writer.Line();
            WriteForwardRows(writer);
            writer.Line();
            WriteBackwardBlocks(writer);

            WriteDispatch(writer, "ForwardRow", ForwardRowParameters(), "Normalizes one row with the widest SIMD the machine runs well.");
            foreach (VectorWidth width in VectorWidth.All)
            {
                writer.Line();
                WriteForwardRowVector(writer, width);
            }

            writer.Line();
            WriteForwardRowScalar(writer);

            WriteDispatch(writer, "BackwardRow", BackwardRowParameters(), "Computes one row's input gradient and adds its share of the weight and bias gradients.");
            foreach (VectorWidth width in VectorWidth.All)
            {
                writer.Line();
                WriteBackwardRowVector(writer, width);
            }

            writer.Line();
            WriteBackwardRowScalar(writer);
        }
    }

    // ---------------------------------------------------------------- public surface

    private void WriteSummary(CodeWriter writer)
    {
        string kind = _centered ? "LayerNorm" : "RMSNorm";
        string shape = string.Join(", ", _norm.Shape);
        string affine = (_norm.HasWeight, _norm.HasBias) switch
        {
            (true, true) => "with weight (γ) and bias (β)",
            (true, false) => "with weight (γ)",
            _ => "without affine parameters",
        };

        writer.Line("/// <summary>");
        writer.Line($"/// {kind} <c>{Escape(_norm.Name)}</c> over axes {string.Join(",", _norm.Axes)} of layout {string.Join(",", _norm.Layout)}:");
        writer.Line($"/// rows of [{shape}] = {_norm.RowLength} {T} elements, eps = {_norm.Epsilon.ToString("R", CultureInfo.InvariantCulture)}, {affine}.");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>");
        string formula = _centered
            ? Affine("(x - mean) / sqrt(var + eps)", "weight", "bias") + "</c> per row, with the biased variance, as PyTorch's <c>LayerNorm</c>."
            : Affine("x / sqrt(mean(x²) + eps)", "weight", "bias") + "</c> per row, as PyTorch's <c>RMSNorm</c>.";
        writer.Line("/// <c>y = " + formula);
        writer.Line("/// Inputs are row-major: any number of rows of <see cref=\"RowLength\"/> contiguous elements.");
        writer.Line("/// </remarks>");
    }

    private void WriteConstants(CodeWriter writer)
    {
        writer.Line("/// <summary>Elements in one normalized row: the product of the normalized extents.</summary>");
        writer.Line($"public const int RowLength = {_norm.RowLength.ToString(CultureInfo.InvariantCulture)};");
        writer.Line();
        writer.Line("/// <summary>The epsilon added under the square root.</summary>");
        writer.Line($"public const {T} Epsilon = {_t.Literal(_norm.Epsilon)};");
        writer.Line();
        writer.Line("/// <summary>The normalized extents, in layout order.</summary>");
        writer.Line($"public static {ReadOnlySpan}<int> NormalizedShape => new int[] {{ {string.Join(", ", _norm.Shape)} }};");
        writer.Line();
        writer.Line("/// <summary>The number of rows in an input of <paramref name=\"length\"/> elements.</summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"length\"/> is not a multiple of <see cref=\"RowLength\"/>.</exception>");
        writer.Line($"public static int RowCount(int length) => {Runtime}.KernelArguments.RowCount(length, RowLength, nameof(length));");
    }

    private IEnumerable<string> StatisticNames => _centered ? new[] { "mean", "rstd" } : new[] { "rstd" };

    private void WriteForward(CodeWriter writer)
    {
        var parameters = new List<string> { $"{ReadOnlySpan}<{T}> input" };
        if (_norm.HasWeight)
        {
            parameters.Add($"{ReadOnlySpan}<{T}> weight");
        }

        if (_norm.HasBias)
        {
            parameters.Add($"{ReadOnlySpan}<{T}> bias");
        }

        parameters.Add($"{Span}<{T}> output");
        string affineArguments = string.Concat(parameters.Skip(1).Take(parameters.Count - 2).Select(p => p.Split(' ').Last() + ", "));

        writer.Line("/// <summary>Normalizes every row of <paramref name=\"input\"/> into <paramref name=\"output\"/>, which may be the same memory.</summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, or <paramref name=\"output\"/> partly overlaps <paramref name=\"input\"/>.</exception>");
        writer.Line($"public static void Forward({string.Join(", ", parameters)})");
        writer.Line($"    => Forward(input, {affineArguments}output, {string.Join(", ", StatisticNames.Select(_ => "default"))});");
        writer.Line();

        foreach (string statistic in StatisticNames)
        {
            parameters.Add($"{Span}<{T}> {statistic}");
        }

        writer.Line("/// <summary>");
        writer.Line("/// Normalizes every row of <paramref name=\"input\"/> into <paramref name=\"output\"/>, which may be the same memory,");
        writer.Line(_centered
            ? "/// and saves each row's mean and reciprocal standard deviation for <c>Backward</c>."
            : "/// and saves each row's reciprocal root mean square for <c>Backward</c>.");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>The statistics spans hold one element per row; pass empty spans to skip saving them.</remarks>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, or <paramref name=\"output\"/> partly overlaps <paramref name=\"input\"/>.</exception>");
        using (writer.Block($"public static void Forward({string.Join(", ", parameters)})"))
        {
            writer.Line($"int rows = {Runtime}.KernelArguments.RowCount(input.Length, RowLength, nameof(input));");
            WriteAffineChecks(writer);
            writer.Line($"{Runtime}.KernelArguments.RequireLength(output.Length, input.Length, nameof(output));");
            foreach (string statistic in StatisticNames)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireLengthOrEmpty({statistic}.Length, rows, nameof({statistic}));");
            }

            writer.Line($"{Runtime}.KernelArguments.RequireNoPartialOverlap(input, output, nameof(output));");
            writer.Line();

            var pins = new List<string> { "x = input" };
            pins.AddRange(AffinePins());
            pins.Add("y = output");
            pins.AddRange(StatisticNames.Select(s => $"{s}Out = {s}"));
            using (writer.Block($"fixed ({T}* {string.Join(", ", pins)})"))
            {
                var arguments = new List<string> { "x" };
                arguments.AddRange(AffinePointers());
                arguments.Add("y");
                arguments.AddRange(StatisticNames.Select(s => s + "Out"));
                writer.Line($"{Runtime}.RowScheduler.Run(new ForwardRows({string.Join(", ", arguments)}), rows, RowLength);");
            }
        }
    }

    private void WriteBackward(CodeWriter writer)
    {
        var parameters = new List<string> { $"{ReadOnlySpan}<{T}> gradOutput", $"{ReadOnlySpan}<{T}> input" };
        if (_norm.HasWeight)
        {
            parameters.Add($"{ReadOnlySpan}<{T}> weight");
        }

        parameters.AddRange(StatisticNames.Select(s => $"{ReadOnlySpan}<{T}> {s}"));
        parameters.Add($"{Span}<{T}> gradInput");
        if (_norm.HasWeight)
        {
            parameters.Add($"{Span}<{T}> gradWeight");
        }

        if (_norm.HasBias)
        {
            parameters.Add($"{Span}<{T}> gradBias");
        }

        writer.Line("/// <summary>");
        if (ParameterGradients.Count > 0)
        {
            writer.Line("/// Back-propagates <paramref name=\"gradOutput\"/> through the norm: writes the input gradient, and");
            writer.Line("/// (over)writes the parameter gradients summed over all rows. Uses the statistics saved by <c>Forward</c>.");
            writer.Line("/// </summary>");
            writer.Line("/// <remarks>");
            writer.Line("/// Pass an empty span for a parameter gradient that is not needed. Parameter gradients are summed over");
            writer.Line("/// blocks of rows fixed by the shape alone, in a fixed order: results are bitwise reproducible at any thread count.");
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
            writer.Line($"int rows = {Runtime}.KernelArguments.RowCount(input.Length, RowLength, nameof(input));");
            writer.Line($"{Runtime}.KernelArguments.RequireLength(gradOutput.Length, input.Length, nameof(gradOutput));");
            if (_norm.HasWeight)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireLength(weight.Length, RowLength, nameof(weight));");
            }

            foreach (string statistic in StatisticNames)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireLength({statistic}.Length, rows, nameof({statistic}));");
            }

            writer.Line($"{Runtime}.KernelArguments.RequireLength(gradInput.Length, input.Length, nameof(gradInput));");
            foreach (string gradient in ParameterGradients)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireLengthOrEmpty({gradient}.Length, RowLength, nameof({gradient}));");
            }

            writer.Line($"{Runtime}.KernelArguments.RequireNoPartialOverlap(gradOutput, gradInput, nameof(gradInput));");
            writer.Line($"{Runtime}.KernelArguments.RequireNoPartialOverlap(input, gradInput, nameof(gradInput));");
            writer.Line();
            writer.Line($"{Runtime}.ReductionPlan plan = {Runtime}.ReductionPlan.For(rows, RowLength);");
            foreach (string gradient in ParameterGradients)
            {
                writer.Line($"{T}[]? {gradient}Partials = {gradient}.IsEmpty ? null : global::System.Buffers.ArrayPool<{T}>.Shared.Rent(plan.BlockCount * RowLength);");
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
                    writer.Line($"if ({gradient}Partials is not null) global::System.Buffers.ArrayPool<{T}>.Shared.Return({gradient}Partials);");
                }
            }
        }
    }

    private void WriteBackwardLaunch(CodeWriter writer)
    {
        var pins = new List<string> { "dy = gradOutput", "x = input" };
        if (_norm.HasWeight)
        {
            pins.Add("w = weight");
        }

        pins.AddRange(StatisticNames.Select(s => $"{s}In = {s}"));
        pins.Add("dx = gradInput");
        pins.AddRange(ParameterGradients.Select(g => $"{g}Partial = {g}Partials"));
        using (writer.Block($"fixed ({T}* {string.Join(", ", pins)})"))
        {
            var arguments = pins.Select(p => p.Split(' ')[0]);
            writer.Line($"{Runtime}.RowScheduler.Run(new BackwardBlocks({string.Join(", ", arguments)}), plan, RowLength);");
        }

        foreach (string gradient in ParameterGradients)
        {
            writer.Line($"if ({gradient}Partials is not null) {Runtime}.PartialSums.Reduce<{T}>({gradient}Partials, plan.BlockCount, {gradient});");
        }
    }

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

    private void WriteAffineChecks(CodeWriter writer)
    {
        if (_norm.HasWeight)
        {
            writer.Line($"{Runtime}.KernelArguments.RequireLength(weight.Length, RowLength, nameof(weight));");
        }

        if (_norm.HasBias)
        {
            writer.Line($"{Runtime}.KernelArguments.RequireLength(bias.Length, RowLength, nameof(bias));");
        }
    }

    private IEnumerable<string> AffinePins()
    {
        if (_norm.HasWeight)
        {
            yield return "w = weight";
        }

        if (_norm.HasBias)
        {
            yield return "b = bias";
        }
    }

    private IEnumerable<string> AffinePointers() => AffinePins().Select(p => p.Split(' ')[0]);

    // ---------------------------------------------------------------- row-range kernels

    private void WriteForwardRows(CodeWriter writer)
    {
        var fields = new List<string> { "x" };
        fields.AddRange(AffinePointers());
        fields.Add("y");
        fields.AddRange(StatisticNames.Select(s => s + "Out"));

        writer.Line("/// <summary>Normalizes a range of rows; holds pointers pinned by <c>Forward</c>.</summary>");
        using (writer.Block($"private readonly struct ForwardRows : {Runtime}.IRowKernel"))
        {
            WritePointerFields(writer, "ForwardRows", fields);
            writer.Line();
            using (writer.Block("public void Execute(int firstRow, int rowCount)"))
            {
                using (writer.Block("for (int row = firstRow; row < firstRow + rowCount; row++)"))
                {
                    writer.Line("long offset = (long)row * RowLength;");
                    var arguments = new List<string> { "_x + offset" };
                    arguments.AddRange(AffinePointers().Select(p => "_" + p));
                    arguments.Add("_y + offset");
                    arguments.AddRange(StatisticNames.Select(s => $"out {T} {s}"));
                    writer.Line($"ForwardRow({string.Join(", ", arguments)});");
                    foreach (string statistic in StatisticNames)
                    {
                        writer.Line($"if (_{statistic}Out != null) _{statistic}Out[row] = {statistic};");
                    }
                }
            }
        }
    }

    private void WriteBackwardBlocks(CodeWriter writer)
    {
        var fields = new List<string> { "dy", "x" };
        if (_norm.HasWeight)
        {
            fields.Add("w");
        }

        fields.AddRange(StatisticNames.Select(s => s + "In"));
        fields.Add("dx");
        fields.AddRange(ParameterGradients.Select(g => g + "Partial"));

        writer.Line();
        writer.Line("/// <summary>Back-propagates one block of rows, summing its parameter gradients into the block's own partial rows.</summary>");
        using (writer.Block($"private readonly struct BackwardBlocks : {Runtime}.IRowBlockKernel"))
        {
            WritePointerFields(writer, "BackwardBlocks", fields);
            writer.Line();
            using (writer.Block("public void Execute(int block, int firstRow, int rowCount)"))
            {
                foreach (string gradient in ParameterGradients)
                {
                    writer.Line($"{T}* {gradient} = _{gradient}Partial == null ? null : _{gradient}Partial + (long)block * RowLength;");
                    writer.Line($"if ({gradient} != null) new {Span}<{T}>({gradient}, RowLength).Clear();");
                }

                using (writer.Block("for (int row = firstRow; row < firstRow + rowCount; row++)"))
                {
                    writer.Line("long offset = (long)row * RowLength;");
                    var arguments = new List<string> { "_dy + offset", "_x + offset" };
                    if (_norm.HasWeight)
                    {
                        arguments.Add("_w");
                    }

                    arguments.AddRange(StatisticNames.Select(s => $"_{s}In[row]"));
                    arguments.Add("_dx + offset");
                    arguments.AddRange(ParameterGradients);
                    writer.Line($"BackwardRow({string.Join(", ", arguments)});");
                }
            }
        }
    }

    private void WritePointerFields(CodeWriter writer, string typeName, List<string> names)
    {
        foreach (string name in names)
        {
            writer.Line($"private readonly {T}* _{name};");
        }

        writer.Line();
        writer.Line($"public {typeName}({string.Join(", ", names.Select(n => $"{T}* {n}"))})");
        writer.Line("{");
        foreach (string name in names)
        {
            writer.Line($"    _{name} = {name};");
        }

        writer.Line("}");
    }

    // ---------------------------------------------------------------- row routines

    private List<string> ForwardRowParameters()
    {
        var parameters = new List<string> { $"{T}* x" };
        parameters.AddRange(AffinePointers().Select(p => $"{T}* {p}"));
        parameters.Add($"{T}* y");
        parameters.AddRange(StatisticNames.Select(s => $"out {T} {s}"));
        return parameters;
    }

    private List<string> BackwardRowParameters()
    {
        var parameters = new List<string> { $"{T}* dy", $"{T}* x" };
        if (_norm.HasWeight)
        {
            parameters.Add($"{T}* w");
        }

        parameters.AddRange(StatisticNames.Select(s => $"{T} {s}"));
        parameters.Add($"{T}* dx");
        parameters.AddRange(ParameterGradients.Select(g => $"{T}* {g}"));
        return parameters;
    }

    private void WriteDispatch(CodeWriter writer, string name, List<string> parameters, string summary)
    {
        string arguments = string.Join(", ", parameters.Select(p => p.StartsWith("out ") ? "out " + p.Split(' ').Last() : p.Split(' ').Last()));
        writer.Line();
        writer.Line($"/// <summary>{summary}</summary>");
        writer.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        using (writer.Block($"private static void {name}({string.Join(", ", parameters)})"))
        {
            string keyword = "if";
            foreach (VectorWidth width in VectorWidth.All)
            {
                writer.Line($"{keyword} ({width.Helper}.IsHardwareAccelerated && RowLength >= {width.Lanes(_t)})");
                writer.Line("{");
                writer.Line($"    {name}{width.Name}({arguments});");
                writer.Line("}");
                keyword = "else if";
            }

            writer.Line("else");
            writer.Line("{");
            writer.Line($"    {name}Scalar({arguments});");
            writer.Line("}");
        }
    }

    private void WriteForwardRowVector(CodeWriter writer, VectorWidth width)
    {
        string v = width.Helper;
        string vt = $"{v}<{T}>";
        string load = $"{v}.Load";
        string[] offsets = ["", " + Lanes", " + 2 * Lanes", " + 3 * Lanes"];

        writer.Line($"private static void ForwardRow{width.Name}({string.Join(", ", ForwardRowParameters())})");
        writer.Line("{");
        writer.Line($"    const int Lanes = {width.Lanes(_t)};");
        writer.Line("    int i = 0;");
        writer.Line($"    {vt} s0 = {vt}.Zero, s1 = s0, s2 = s0, s3 = s0;");
        writer.Line();
        if (_centered)
        {
            writer.Line("    // Mean, over four independent accumulators.");
            writer.Line("    for (; i <= RowLength - 4 * Lanes; i += 4 * Lanes)");
            writer.Line("    {");
            for (int k = 0; k < 4; k++)
            {
                writer.Line($"        s{k} += {load}(x + i{offsets[k]});");
            }

            writer.Line("    }");
            writer.Line();
            writer.Line($"    for (; i <= RowLength - Lanes; i += Lanes) s0 += {load}(x + i);");
            writer.Line($"    {T} sum = {v}.Sum((s0 + s1) + (s2 + s3));");
            writer.Line("    for (; i < RowLength; i++) sum += x[i];");
            writer.Line("    mean = sum / RowLength;");
            writer.Line();
            writer.Line("    // Second pass over the row, still in cache: squared deviations from that mean, and the deviations");
            writer.Line("    // themselves, which correct the mean's rounding error (the corrected two-pass algorithm). Rows with a");
            writer.Line("    // large common offset keep an accurate variance, and a constant row gets its exact value as mean.");
            writer.Line($"    {vt} m = {v}.Create(mean);");
            writer.Line($"    {vt} q0 = {vt}.Zero, q1 = q0;");
            writer.Line("    s0 = s1 = q0;");
            writer.Line("    for (i = 0; i <= RowLength - 2 * Lanes; i += 2 * Lanes)");
            writer.Line("    {");
            writer.Line($"        {vt} d0 = {load}(x + i) - m;");
            writer.Line($"        {vt} d1 = {load}(x + i + Lanes) - m;");
            writer.Line("        s0 += d0;");
            writer.Line("        s1 += d1;");
            writer.Line("        q0 += d0 * d0;");
            writer.Line("        q1 += d1 * d1;");
            writer.Line("    }");
            writer.Line();
            writer.Line("    for (; i <= RowLength - Lanes; i += Lanes)");
            writer.Line("    {");
            writer.Line($"        {vt} d = {load}(x + i) - m;");
            writer.Line("        s0 += d;");
            writer.Line("        q0 += d * d;");
            writer.Line("    }");
            writer.Line();
            writer.Line($"    {T} deviations = {v}.Sum(s0 + s1), squares = {v}.Sum(q0 + q1);");
            writer.Line($"    for (; i < RowLength; i++) {{ {T} d = x[i] - mean; deviations += d; squares += d * d; }}");
            WriteMeanCorrection(writer);
            writer.Line($"    m = {v}.Create(mean);");
        }
        else
        {
            writer.Line("    // Mean square, over four independent accumulators.");
            writer.Line("    for (; i <= RowLength - 4 * Lanes; i += 4 * Lanes)");
            writer.Line("    {");
            for (int k = 0; k < 4; k++)
            {
                writer.Line($"        {vt} x{k} = {load}(x + i{offsets[k]});");
                writer.Line($"        s{k} += x{k} * x{k};");
            }

            writer.Line("    }");
            writer.Line();
            writer.Line("    for (; i <= RowLength - Lanes; i += Lanes)");
            writer.Line("    {");
            writer.Line($"        {vt} xi = {load}(x + i);");
            writer.Line("        s0 += xi * xi;");
            writer.Line("    }");
            writer.Line();
            writer.Line($"    {T} squares = {v}.Sum((s0 + s1) + (s2 + s3));");
            writer.Line("    for (; i < RowLength; i++) squares += x[i] * x[i];");
        }

        writer.Line($"    rstd = 1 / {_t.Sqrt}(squares / RowLength + Epsilon);");
        writer.Line($"    {vt} r = {v}.Create(rstd);");
        writer.Line();
        writer.Line((_norm.HasWeight, _norm.HasBias) switch
        {
            (true, true) => "    // Normalize, then scale and shift.",
            (true, false) => "    // Normalize, then scale.",
            _ => "    // Normalize.",
        });
        writer.Line("    for (i = 0; i <= RowLength - Lanes; i += Lanes)");
        writer.Line("    {");
        string normalized = _centered ? $"({load}(x + i) - m) * r" : $"{load}(x + i) * r";
        writer.Line($"        {v}.Store({Affine(normalized, $"{load}(w + i)", $"{load}(b + i)")}, y + i);");
        writer.Line("    }");
        writer.Line();
        writer.Line($"    for (; i < RowLength; i++) y[i] = {Affine(_centered ? "(x[i] - mean) * rstd" : "x[i] * rstd", "w[i]", "b[i]")};");
        writer.Line("}");
    }

    /// <summary>Applies the deviations' sum: mean += Σd/D and Σd² -= (Σd)²/D, never below zero.</summary>
    private void WriteMeanCorrection(CodeWriter writer)
    {
        writer.Line($"    {T} shift = deviations / RowLength;");
        writer.Line("    mean += shift;");
        writer.Line("    squares -= deviations * shift;");
        writer.Line("    if (squares < 0) squares = 0;");
    }

    private string Affine(string normalized, string weight, string bias) => (_norm.HasWeight, _norm.HasBias) switch
    {
        (true, true) => $"{normalized} * {weight} + {bias}",
        (true, false) => $"{normalized} * {weight}",
        _ => normalized,
    };

    private void WriteForwardRowScalar(CodeWriter writer)
    {
        writer.Line($"private static void ForwardRowScalar({string.Join(", ", ForwardRowParameters())})");
        writer.Line("{");
        if (_centered)
        {
            writer.Line($"    {T} sum = 0;");
            writer.Line("    for (int i = 0; i < RowLength; i++) sum += x[i];");
            writer.Line("    mean = sum / RowLength;");
            writer.Line($"    {T} deviations = 0, squares = 0;");
            writer.Line($"    for (int i = 0; i < RowLength; i++) {{ {T} d = x[i] - mean; deviations += d; squares += d * d; }}");
            WriteMeanCorrection(writer);
        }
        else
        {
            writer.Line($"    {T} squares = 0;");
            writer.Line("    for (int i = 0; i < RowLength; i++) squares += x[i] * x[i];");
        }

        writer.Line($"    rstd = 1 / {_t.Sqrt}(squares / RowLength + Epsilon);");
        writer.Line($"    for (int i = 0; i < RowLength; i++) y[i] = {Affine(_centered ? "(x[i] - mean) * rstd" : "x[i] * rstd", "w[i]", "b[i]")};");
        writer.Line("}");
    }

    private void WriteBackwardRowVector(CodeWriter writer, VectorWidth width)
    {
        string v = width.Helper;
        string vt = $"{v}<{T}>";
        string load = $"{v}.Load";
        string xhat = _centered ? $"({load}(x + i) - m) * r" : $"{load}(x + i) * r";
        string g = _norm.HasWeight ? $"{load}(dy + i) * {load}(w + i)" : $"{load}(dy + i)";
        string scalarXhat = _centered ? "(x[i] - mean) * rstd" : "x[i] * rstd";
        string scalarG = _norm.HasWeight ? "dy[i] * w[i]" : "dy[i]";

        writer.Line($"private static void BackwardRow{width.Name}({string.Join(", ", BackwardRowParameters())})");
        writer.Line("{");
        writer.Line($"    const int Lanes = {width.Lanes(_t)};");
        if (_centered)
        {
            writer.Line($"    {vt} m = {v}.Create(mean);");
        }

        writer.Line($"    {vt} r = {v}.Create(rstd);");
        writer.Line();
        string gDefinition = _norm.HasWeight ? "g = dy·γ" : "g = dy";
        writer.Line(_centered
            ? $"    // Row sums of g and g·x̂, where {gDefinition} and x̂ = (x - mean)·rstd."
            : $"    // Row sum of g·x̂, where {gDefinition} and x̂ = x·rstd.");
        if (_centered)
        {
            writer.Line($"    {vt} sumG = {vt}.Zero, sumGX = sumG;");
        }
        else
        {
            writer.Line($"    {vt} sumGX = {vt}.Zero;");
        }

        writer.Line("    int i = 0;");
        writer.Line("    for (; i <= RowLength - Lanes; i += Lanes)");
        writer.Line("    {");
        writer.Line($"        {vt} g = {g};");
        if (_centered)
        {
            writer.Line("        sumG += g;");
        }

        writer.Line($"        sumGX += g * ({xhat});");
        writer.Line("    }");
        writer.Line();
        if (_centered)
        {
            writer.Line($"    {T} gMean = {v}.Sum(sumG), gxMean = {v}.Sum(sumGX);");
            writer.Line($"    for (; i < RowLength; i++) {{ {T} g = {scalarG}; gMean += g; gxMean += g * ({scalarXhat}); }}");
            writer.Line("    gMean /= RowLength;");
        }
        else
        {
            writer.Line($"    {T} gxMean = {v}.Sum(sumGX);");
            writer.Line($"    for (; i < RowLength; i++) gxMean += {scalarG} * ({scalarXhat});");
        }

        writer.Line("    gxMean /= RowLength;");
        writer.Line();
        string parameterNote = (_norm.HasWeight, _norm.HasBias) switch
        {
            (true, true) => "; the parameter gradients take dy·x̂ and dy",
            (true, false) => "; the weight gradient takes dy·x̂",
            _ => "",
        };
        writer.Line(_centered
            ? $"    // dx = rstd·(g - mean(g) - x̂·mean(g·x̂)){parameterNote}."
            : $"    // dx = rstd·(g - x̂·mean(g·x̂)){parameterNote}.");
        if (_centered)
        {
            writer.Line($"    {vt} gm = {v}.Create(gMean);");
        }

        writer.Line($"    {vt} gxm = {v}.Create(gxMean);");
        writer.Line("    for (i = 0; i <= RowLength - Lanes; i += Lanes)");
        writer.Line("    {");
        writer.Line($"        {vt} xhat = {xhat};");
        writer.Line($"        {vt} dyi = {load}(dy + i);");
        string gi = _norm.HasWeight ? $"dyi * {load}(w + i)" : "dyi";
        writer.Line(_centered
            ? $"        {v}.Store(r * ({gi} - gm - xhat * gxm), dx + i);"
            : $"        {v}.Store(r * ({gi} - xhat * gxm), dx + i);");
        if (_norm.HasWeight)
        {
            writer.Line($"        if (gradWeight != null) {v}.Store({load}(gradWeight + i) + dyi * xhat, gradWeight + i);");
        }

        if (_norm.HasBias)
        {
            writer.Line($"        if (gradBias != null) {v}.Store({load}(gradBias + i) + dyi, gradBias + i);");
        }

        writer.Line("    }");
        writer.Line();
        WriteBackwardTail(writer, "", scalarXhat, scalarG);
        writer.Line("}");
    }

    private void WriteBackwardRowScalar(CodeWriter writer)
    {
        string scalarXhat = _centered ? "(x[i] - mean) * rstd" : "x[i] * rstd";
        string scalarG = _norm.HasWeight ? "dy[i] * w[i]" : "dy[i]";

        writer.Line($"private static void BackwardRowScalar({string.Join(", ", BackwardRowParameters())})");
        writer.Line("{");
        if (_centered)
        {
            writer.Line($"    {T} gMean = 0, gxMean = 0;");
            writer.Line($"    for (int i = 0; i < RowLength; i++) {{ {T} g = {scalarG}; gMean += g; gxMean += g * ({scalarXhat}); }}");
            writer.Line("    gMean /= RowLength;");
        }
        else
        {
            writer.Line($"    {T} gxMean = 0;");
            writer.Line($"    for (int i = 0; i < RowLength; i++) gxMean += {scalarG} * ({scalarXhat});");
        }

        writer.Line("    gxMean /= RowLength;");
        WriteBackwardTail(writer, "int i = 0", scalarXhat, scalarG);
        writer.Line("}");
    }

    private void WriteBackwardTail(CodeWriter writer, string start, string xhat, string g)
    {
        writer.Line($"    for ({start}; i < RowLength; i++)");
        writer.Line("    {");
        // Read everything at i before writing dx[i]: dx may be the same memory as dy or x.
        writer.Line($"        {T} xhat = {xhat};");
        writer.Line($"        {T} dyi = dy[i];");
        string gi = g.Replace("dy[i]", "dyi");
        writer.Line(_centered
            ? $"        dx[i] = rstd * ({gi} - gMean - xhat * gxMean);"
            : $"        dx[i] = rstd * ({gi} - xhat * gxMean);");
        if (_norm.HasWeight)
        {
            writer.Line("        if (gradWeight != null) gradWeight[i] += dyi * xhat;");
        }

        if (_norm.HasBias)
        {
            writer.Line("        if (gradBias != null) gradBias[i] += dyi;");
        }

        writer.Line("    }");
    }

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
