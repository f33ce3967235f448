using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NormGen.Generators.Helpers;
using NormGen.Generators.Model;

namespace NormGen.Generators.Emitting;

/// <summary>
/// Writes the kernel of a norm whose rows are contiguous runs of <c>RowLength</c> elements:
/// LayerNorm (centered: mean and variance) and RMSNorm (uncentered: mean square) over trailing axes,
/// with the fusions rows allow: a residual add and an input-bias add before the norm, an activation
/// after it, and Half storage with float arithmetic.
/// </summary>
/// <remarks>
/// <para>
/// Every row routine is written once per SIMD width (512, 256, 128 bits) and once in scalar code;
/// a dispatcher picks one through <c>IsHardwareAccelerated</c>, which the JIT folds to a constant,
/// so only one routine survives in the machine code. The row length and eps are constants, so the
/// JIT also drops the loops (main, remainder or tail) that a given row length never enters.
/// </para>
/// <para>
/// float and double kernels fuse the adds into the routines' first pass over a row. Half kernels
/// widen each row into float scratch (the adds happen there, rounded to Half as separate Half adds
/// would be), run the float routines on it, and round the result back once. Activations run as a
/// row-level pass over the row while it is in L1; backward recomputes the activation's input from
/// the saved statistics, so nothing beyond the statistics is saved.
/// </para>
/// </remarks>
internal sealed partial class RowNormEmitter
{
    private const string Runtime = "global::NormGen.Kernels";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan";
    private const string Span = "global::System.Span";
    private const string HalfType = "global::System.Half";
    private const string ArrayPool = "global::System.Buffers.ArrayPool";

    /// <summary>Scratch rows up to this many bytes per worker live on the stack; longer ones come from the array pool.</summary>
    private const int MaxStackScratchBytes = 16 * 1024;

    /// <summary>
    /// The longest row whose statistics pass takes its provisional mean from the first 16 elements; longer rows
    /// take the whole row's mean in a pass of its own (see <see cref="WriteShiftedStatistics"/>).
    /// </summary>
    private const int MaxSampledProvisionalRow = 16 * 1024;

    /// <summary>
    /// Row length, in bytes, from which backward goes column chunk by column chunk (<see cref="LongRowBackward"/>):
    /// past it a row's dy, x, dx, γ and two partial gradient rows no longer fit in L2 together.
    /// </summary>
    private const int LongRowBytes = 128 * 1024;

    /// <summary>Columns a long-row backward chunk covers: its weight and bias gradients, 8 KiB each in float, stay in L1.</summary>
    private const int ColumnChunkBytes = 8 * 1024;

    private readonly NormSpec _norm;
    private readonly ElementTypeInfo _t;
    private readonly bool _centered;
    private readonly bool _half;
    private readonly bool _residual;
    private readonly bool _inputBias;
    private readonly ActivationKind _activation;

    private RowNormEmitter(NormSpec norm)
    {
        _norm = norm;
        _t = ElementTypeInfo.Of(norm.Element);
        _centered = norm.Kind == NormKind.LayerNorm;
        _half = norm.Element == ElementKind.Half;
        _residual = norm.Residual;
        _inputBias = norm.InputBias;
        _activation = norm.Activation;
    }

    /// <summary>The arithmetic (and statistics) type: float for Half kernels.</summary>
    private string T => _t.Keyword;

    /// <summary>The storage type of data, parameters and gradients.</summary>
    private string S => _half ? HalfType : T;

    private bool HasActivation => _activation != ActivationKind.None;

    /// <summary>
    /// Whether backward first sums every row (one pass over dy and x), then computes the gradients one chunk of
    /// columns at a time through all rows, keeping the chunk's weight and bias gradients in L1 and adding the rows
    /// into them in order: for long rows (LayerNorm over C,H,W), instead of a partial gradient row per block of
    /// rows that every row reads and writes back from far caches. float and double without activation or input bias.
    /// </summary>
    private bool LongRowBackward => !_half && !HasActivation && !_inputBias && (long)_norm.RowLength * _t.Size >= LongRowBytes;

    /// <summary>The columns of one long-row backward chunk, a multiple of the widest vector so chunks stay aligned.</summary>
    private int ColumnChunk => ColumnChunkBytes / _t.Size;

    /// <summary>Whether the row routines take the input bias (float and double; Half kernels add it while widening).</summary>
    private bool RoutinesAddInputBias => !_half && _inputBias;

    /// <summary>Whether the row routines do the residual add (float and double only).</summary>
    private bool RoutinesAddResidual => !_half && _residual;

    /// <summary>Backward needs the input bias unless it normalizes the saved residual sum, which already holds it.</summary>
    private bool BackwardTakesInputBias => _inputBias && !_residual;

    private bool BackwardRoutinesAddInputBias => !_half && BackwardTakesInputBias;

    /// <summary>Backward needs β only to recompute the activation's input.</summary>
    private bool BackwardTakesBias => HasActivation && _norm.HasBias;

    /// <summary>What backward normalizes: the input, or the residual sum that forward wrote.</summary>
    private string BackwardInputName => _residual ? "residualOutput" : "input";

    /// <summary>
    /// Marks the routines the loops run: compiled fully optimized at once. Tiered compilation would first run them
    /// as unoptimized code, where vector operations are calls, for the first dozens of calls of a training loop.
    /// </summary>
    private const string Optimized = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

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
            if (LongRowBackward)
            {
                WriteLongRowBackwardKernels(writer);
            }
            else
            {
                WriteBackwardBlocks(writer);
            }

            WriteRowHelpers(writer);

            WriteDispatch(writer, "ForwardRow", ForwardRowParameters(), "Normalizes one row with the widest SIMD the machine runs well.");
            foreach (VectorWidth width in VectorWidth.All)
            {
                writer.Line();
                WriteForwardRowVector(writer, width);
            }

            writer.Line();
            WriteForwardRowScalar(writer);
            if (ChunkedStatistics)
            {
                WriteChunkStatisticsRoutines(writer);
            }

            if (HasActivation)
            {
                WriteDispatch(writer, "NormalizeRow", NormalizeRowParameters(),
                    "Recomputes one row's pre-activation output from its saved statistics, exactly as <c>ForwardRow</c> computed it.");
                foreach (VectorWidth width in VectorWidth.All)
                {
                    writer.Line();
                    WriteNormalizeRow(writer, width);
                }

                writer.Line();
                WriteNormalizeRow(writer, null);
            }

            if (LongRowBackward)
            {
                WriteLongRowRoutines(writer);
                return;
            }

            WriteDispatch(writer, "BackwardRow", BackwardRowParameters(), _inputBias
                ? "Computes one row's input gradient and adds its share of the input bias, weight and bias gradients."
                : "Computes one row's input gradient and adds its share of the weight and bias gradients.");
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
        string elements = _half ? "Half elements (float arithmetic and statistics)" : $"{T} elements";

        writer.Line("/// <summary>");
        writer.Line($"/// {kind} <c>{Escape(_norm.Name)}</c> over axes {string.Join(",", _norm.Axes)} of layout {string.Join(",", _norm.Layout)}:");
        writer.Line($"/// rows of [{shape}] = {_norm.RowLength} {elements}, eps = {_norm.Epsilon.ToString("R", CultureInfo.InvariantCulture)}, {affine}.");
        foreach (string fusion in FusionNotes())
        {
            writer.Line($"/// {fusion}");
        }

        writer.Line("/// </summary>");
        writer.Line("/// <remarks>");
        string formula = _centered
            ? Affine("(x - mean) / sqrt(var + eps)", "weight", "bias") + "</c> per row, with the biased variance, as PyTorch's <c>LayerNorm</c>."
            : Affine("x / sqrt(mean(x²) + eps)", "weight", "bias") + "</c> per row, as PyTorch's <c>RMSNorm</c>.";
        writer.Line("/// <c>y = " + formula);
        writer.Line("/// Inputs are row-major: any number of rows of <see cref=\"RowLength\"/> contiguous elements.");
        writer.Line("/// </remarks>");
    }

    private IEnumerable<string> FusionNotes()
    {
        string added = _inputBias ? "input + inputBias" : "input";
        if (_residual)
        {
            yield return $"Fused before it: the residual add <c>residualOutput = {added} + residual</c>, which it normalizes.";
        }
        else if (_inputBias)
        {
            yield return "Fused before it: the bias add <c>x = input + inputBias</c>, which it normalizes.";
        }

        if (HasActivation)
        {
            yield return $"Fused after it: {ActivationDescription}, applied to the affine output.";
        }
    }

    private string ActivationDescription => _activation switch
    {
        ActivationKind.Relu => "ReLU",
        ActivationKind.Gelu => "GELU (exact, with erf)",
        ActivationKind.GeluTanh => "GELU (tanh approximation)",
        _ => "SiLU",
    };

    private string ActivationMethod => _activation switch
    {
        ActivationKind.Relu => "Relu",
        ActivationKind.Gelu => "Gelu",
        ActivationKind.GeluTanh => "GeluTanh",
        _ => "Silu",
    };

    private void WriteConstants(CodeWriter writer)
    {
        writer.Line("/// <summary>Elements in one normalized row: the product of the normalized extents.</summary>");
        writer.Line($"public const int RowLength = {_norm.RowLength.ToString(CultureInfo.InvariantCulture)};");
        writer.Line();
        writer.Line(_half
            ? "/// <summary>The epsilon added under the square root (in float, the arithmetic type).</summary>"
            : "/// <summary>The epsilon added under the square root.</summary>");
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

    /// <summary>Forward's parameters before the statistics: inputs, parameters, outputs.</summary>
    private List<string> ForwardParameters()
    {
        var parameters = new List<string> { $"{ReadOnlySpan}<{S}> input" };
        if (_inputBias)
        {
            parameters.Add($"{ReadOnlySpan}<{S}> inputBias");
        }

        if (_residual)
        {
            parameters.Add($"{ReadOnlySpan}<{S}> residual");
        }

        if (_norm.HasWeight)
        {
            parameters.Add($"{ReadOnlySpan}<{S}> weight");
        }

        if (_norm.HasBias)
        {
            parameters.Add($"{ReadOnlySpan}<{S}> bias");
        }

        parameters.Add($"{Span}<{S}> output");
        if (_residual)
        {
            parameters.Add($"{Span}<{S}> residualOutput");
        }

        return parameters;
    }

    private void WriteForward(CodeWriter writer)
    {
        List<string> parameters = ForwardParameters();
        string arguments = string.Join(", ", parameters.Select(p => p.Split(' ').Last()));
        string what = _residual
            ? (_inputBias ? "<c>input + inputBias + residual</c> (kept in <paramref name=\"residualOutput\"/>)" : "<c>input + residual</c> (kept in <paramref name=\"residualOutput\"/>)")
            : _inputBias ? "<c>input + inputBias</c>" : "<paramref name=\"input\"/>";

        string sameMemory = _residual ? "which may be the same memory as an input" : "which may be the same memory";
        string overlap = _residual
            ? "/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, or an output partly overlaps an input.</exception>"
            : "/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, or <paramref name=\"output\"/> partly overlaps <paramref name=\"input\"/>.</exception>";

        writer.Line($"/// <summary>Normalizes every row of {what} into <paramref name=\"output\"/>, {sameMemory}.</summary>");
        WriteForwardRemarks(writer, withStatistics: false);
        writer.Line(overlap);
        writer.Line($"public static void Forward({string.Join(", ", parameters)})");
        writer.Line($"    => Forward({arguments}, {string.Join(", ", StatisticNames.Select(_ => "default"))});");
        writer.Line();

        foreach (string statistic in StatisticNames)
        {
            parameters.Add($"{Span}<{T}> {statistic}");
        }

        writer.Line("/// <summary>");
        writer.Line($"/// Normalizes every row of {what} into <paramref name=\"output\"/>, {sameMemory},");
        writer.Line(_centered
            ? "/// and saves each row's mean and reciprocal standard deviation for <c>Backward</c>."
            : "/// and saves each row's reciprocal root mean square for <c>Backward</c>.");
        writer.Line("/// </summary>");
        WriteForwardRemarks(writer, withStatistics: true);
        writer.Line(overlap);
        using (writer.Block($"public static void Forward({string.Join(", ", parameters)})"))
        {
            writer.Line($"int rows = {Runtime}.KernelArguments.RowCount(input.Length, RowLength, nameof(input));");
            if (_inputBias)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireLength(inputBias.Length, RowLength, nameof(inputBias));");
            }

            if (_residual)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireLength(residual.Length, input.Length, nameof(residual));");
            }

            WriteAffineChecks(writer, _norm.HasBias);
            writer.Line($"{Runtime}.KernelArguments.RequireLength(output.Length, input.Length, nameof(output));");
            if (_residual)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireLength(residualOutput.Length, input.Length, nameof(residualOutput));");
            }

            foreach (string statistic in StatisticNames)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireLengthOrEmpty({statistic}.Length, rows, nameof({statistic}));");
            }

            writer.Line($"{Runtime}.KernelArguments.RequireNoPartialOverlap(input, output, nameof(output));");
            if (_residual)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireNoPartialOverlap(residual, output, nameof(output));");
                writer.Line($"{Runtime}.KernelArguments.RequireNoPartialOverlap(input, residualOutput, nameof(residualOutput));");
                writer.Line($"{Runtime}.KernelArguments.RequireNoPartialOverlap(residual, residualOutput, nameof(residualOutput));");
                writer.Line($"{Runtime}.KernelArguments.RequireNoOverlap<{S}, {S}>(residualOutput, output, nameof(output));");
            }

            writer.Line();

            var fields = ForwardFields();
            var launchArguments = fields.Select(f => f.Name).ToList();
            if (HasActivation && !_half)
            {
                // The activation reads each row back right after the norm writes it: the row must stay in cache.
                launchArguments.Add("stream: false");
            }
            else if (!_half)
            {
                writer.Line("// Calls that move well over what the last-level cache holds write their output with non-temporal stores.");
                writer.Line($"bool stream = {Runtime}.OutputStreaming.Pays({(_residual ? 4 : 2)}L * output.Length * sizeof({T}));");
                launchArguments.Add("stream");
            }

            string launch = $"{Runtime}.RowScheduler.Run(new ForwardRows({string.Join(", ", launchArguments)}), rows, RowLength);";
            WriteLaunch(writer, fields, ForwardWidenedParameters(), launch, after: null);
        }
    }

    private void WriteForwardRemarks(CodeWriter writer, bool withStatistics)
    {
        var lines = new List<string>();
        if (withStatistics)
        {
            lines.Add(_half
                ? "The statistics spans are float and hold one element per row; pass empty spans to skip saving them."
                : "The statistics spans hold one element per row; pass empty spans to skip saving them.");
        }

        if (_residual)
        {
            string sum = _inputBias ? "input + inputBias + residual" : "input + residual";
            lines.Add($"<paramref name=\"residualOutput\"/> receives <c>{sum}</c>, the updated residual stream, and the norm");
            lines.Add("normalizes it; it may be the same memory as <paramref name=\"input\"/> or <paramref name=\"residual\"/>, but not overlap");
            lines.Add("<paramref name=\"output\"/>. Keep it for <c>Backward</c>, which takes it in place of the input.");
        }

        if (_half && (_residual || _inputBias))
        {
            lines.Add("The sum in front of the norm is rounded to Half, as a separate Half add would round it.");
        }

        if (HasActivation)
        {
            lines.Add($"<paramref name=\"output\"/> holds the {ActivationDescription} of the normalized, scaled and shifted row.");
        }

        if (lines.Count == 0)
        {
            return;
        }

        if (lines.Count == 1)
        {
            writer.Line($"/// <remarks>{lines[0]}</remarks>");
            return;
        }

        writer.Line("/// <remarks>");
        foreach (string line in lines)
        {
            writer.Line("/// " + line);
        }

        writer.Line("/// </remarks>");
    }

    /// <summary>Backward's parameters, in order.</summary>
    private List<string> BackwardParameters()
    {
        var parameters = new List<string> { $"{ReadOnlySpan}<{S}> gradOutput", $"{ReadOnlySpan}<{S}> {BackwardInputName}" };
        if (BackwardTakesInputBias)
        {
            parameters.Add($"{ReadOnlySpan}<{S}> inputBias");
        }

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
        return parameters;
    }

    private void WriteBackward(CodeWriter writer)
    {
        string input = BackwardInputName;
        writer.Line("/// <summary>");
        if (ParameterGradients.Count > 0)
        {
            writer.Line("/// Back-propagates <paramref name=\"gradOutput\"/> through the norm: writes the input gradient, and");
            writer.Line("/// (over)writes the parameter gradients summed over all rows. Uses the statistics saved by <c>Forward</c>.");
        }
        else
        {
            writer.Line("/// Back-propagates <paramref name=\"gradOutput\"/> through the norm into the input gradient.");
            writer.Line("/// Uses the statistics saved by <c>Forward</c>.");
        }

        writer.Line("/// </summary>");
        var remarks = new List<string>();
        if (_residual)
        {
            remarks.Add("<paramref name=\"residualOutput\"/> is the residual sum <c>Forward</c> wrote. <paramref name=\"gradInput\"/> is the");
            remarks.Add("gradient of both <c>input</c> and <c>residual</c> through the norm; add to it any gradient that flows into");
            remarks.Add("<c>residualOutput</c> from later layers (the residual stream's own path).");
        }

        if (HasActivation)
        {
            remarks.Add($"The {ActivationDescription} is differentiated at its input, which is recomputed from the saved statistics;");
            remarks.Add("<paramref name=\"gradOutput\"/> is the gradient of the activation's output.");
        }

        if (_inputBias)
        {
            remarks.Add("<paramref name=\"gradInputBias\"/> is the input gradient summed over rows.");
        }

        if (ParameterGradients.Count > 0)
        {
            remarks.Add("Pass an empty span for a parameter gradient that is not needed. Parameter gradients are summed over");
            remarks.Add(LongRowBackward
                ? "the rows in row order: results are bitwise reproducible at any thread count."
                : "blocks of rows fixed by the shape alone, in a fixed order: results are bitwise reproducible at any thread count.");
        }

        if (remarks.Count > 0)
        {
            writer.Line("/// <remarks>");
            foreach (string line in remarks)
            {
                writer.Line("/// " + line);
            }

            writer.Line("/// </remarks>");
        }

        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, or <paramref name=\"gradInput\"/> partly overlaps an input.</exception>");
        using (writer.Block($"public static void Backward({string.Join(", ", BackwardParameters())})"))
        {
            writer.Line($"int rows = {Runtime}.KernelArguments.RowCount({input}.Length, RowLength, nameof({input}));");
            writer.Line($"{Runtime}.KernelArguments.RequireLength(gradOutput.Length, {input}.Length, nameof(gradOutput));");
            if (BackwardTakesInputBias)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireLength(inputBias.Length, RowLength, nameof(inputBias));");
            }

            WriteAffineChecks(writer, BackwardTakesBias);
            foreach (string statistic in StatisticNames)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireLength({statistic}.Length, rows, nameof({statistic}));");
            }

            writer.Line($"{Runtime}.KernelArguments.RequireLength(gradInput.Length, {input}.Length, nameof(gradInput));");
            foreach (string gradient in ParameterGradients)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireLengthOrEmpty({gradient}.Length, RowLength, nameof({gradient}));");
            }

            writer.Line($"{Runtime}.KernelArguments.RequireNoPartialOverlap(gradOutput, gradInput, nameof(gradInput));");
            writer.Line($"{Runtime}.KernelArguments.RequireNoPartialOverlap({input}, gradInput, nameof(gradInput));");
            writer.Line();
            if (!_half)
            {
                writer.Line("// Calls that move well over what the last-level cache holds (dy, the input, dx) write dx with non-temporal stores.");
                writer.Line($"bool stream = {Runtime}.OutputStreaming.Pays(3L * gradInput.Length * sizeof({T}));");
            }

            if (LongRowBackward)
            {
                WriteLongRowBackwardLaunch(writer);
                return;
            }

            writer.Line($"{Runtime}.ReductionPlan plan = {Runtime}.ReductionPlan.For(rows, RowLength);");
            if (_half && ParameterGradients.Count > 0)
            {
                writer.Line("// float partial sums, one row per block, and a last row for their total before it is rounded to Half.");
            }

            string partialRows = _half ? "(plan.BlockCount + 1) * RowLength" : "plan.BlockCount * RowLength";
            foreach (string gradient in ParameterGradients)
            {
                writer.Line($"using {Runtime}.PartialRows<{T}> {gradient}Partials = {Runtime}.PartialRows<{T}>.Rent({gradient}.IsEmpty ? 0 : {partialRows});");
            }

            WriteBackwardLaunch(writer);
        }
    }

    private void WriteBackwardLaunch(CodeWriter writer)
    {
        var fields = BackwardFields();
        string flag = _half ? "" : ", stream";
        string launch = $"{Runtime}.RowScheduler.Run(new BackwardBlocks({string.Join(", ", fields.Select(f => f.Name))}{flag}), plan, RowLength);";
        WriteLaunch(writer, fields, BackwardWidenedParameters(), launch, after: w =>
        {
            foreach (string gradient in ParameterGradients)
            {
                if (_half && gradient == ParameterGradients[0])
                {
                    w.Line();
                }

                if (_half)
                {
                    using (w.Block($"if (!{gradient}.IsEmpty)"))
                    {
                        w.Line($"{Span}<float> total = {gradient}Partials.Span.Slice(plan.BlockCount * RowLength, RowLength);");
                        w.Line($"{Runtime}.PartialSums.Reduce<float>({gradient}Partials.Span, plan.BlockCount, total);");
                        w.Line($"{Runtime}.HalfConversion.ToHalf(total, {gradient});");
                    }
                }
                else
                {
                    w.Line($"if (!{gradient}.IsEmpty) {Runtime}.PartialSums.Reduce<{T}>({gradient}Partials.Span, plan.BlockCount, {gradient});");
                }
            }
        });
    }

    /// <summary>
    /// Pins the spans behind <paramref name="fields"/> and runs <paramref name="launch"/>. Half kernels first
    /// widen the affine parameters (and input bias) into one pooled float buffer, once per call.
    /// </summary>
    private void WriteLaunch(CodeWriter writer, List<Field> fields, List<(string Pointer, string Span)> widened, string launch, System.Action<CodeWriter>? after)
    {
        if (widened.Count == 0)
        {
            WritePinned(writer, fields, launch);
            after?.Invoke(writer);
            return;
        }

        string names = widened.Count == 1
            ? widened[0].Span
            : string.Join(", ", widened.Take(widened.Count - 1).Select(p => p.Span)) + " and " + widened[widened.Count - 1].Span;
        writer.Line($"// The {names}, widened to float once for all rows.");
        writer.Line($"float[] widened = {ArrayPool}<float>.Shared.Rent({widened.Count} * RowLength);");
        using (writer.Block("try"))
        {
            for (int k = 0; k < widened.Count; k++)
            {
                string offset = k == 0 ? "0" : k == 1 ? "RowLength" : $"{k} * RowLength";
                writer.Line($"{Runtime}.HalfConversion.ToSingle({widened[k].Span}, new {Span}<float>(widened, {offset}, RowLength));");
            }

            WritePinned(writer, fields, launch, widened);
            after?.Invoke(writer);
        }

        using (writer.Block("finally"))
        {
            writer.Line($"{ArrayPool}<float>.Shared.Return(widened);");
        }
    }

    private void WritePinned(CodeWriter writer, List<Field> fields, string launch, List<(string Pointer, string Span)>? widened = null)
    {
        // One fixed statement per pointer type, stacked over a single block.
        var groups = fields.Where(f => f.Source is not null).GroupBy(f => f.Type).ToList();
        bool widenedPinned = false;
        foreach (var group in groups)
        {
            var declarations = group.Select(f => $"{f.Name} = {f.Source}").ToList();
            if (widened is not null && group.Key == "float")
            {
                declarations.Insert(0, "parameters = widened");
                widenedPinned = true;
            }

            writer.Line($"fixed ({group.Key}* {string.Join(", ", declarations)})");
        }

        if (widened is not null && !widenedPinned)
        {
            writer.Line("fixed (float* parameters = widened)");
        }

        writer.Line("{");
        if (widened is not null)
        {
            var locals = widened.Select((p, k) => k switch
            {
                0 => $"{p.Pointer} = parameters",
                1 => $"{p.Pointer} = parameters + RowLength",
                _ => $"{p.Pointer} = parameters + {k} * RowLength",
            });
            writer.Line($"    float* {string.Join(", ", locals)};");
        }

        foreach (string line in launch.Split('\n'))
        {
            writer.Line("    " + line);
        }

        writer.Line("}");
    }

    /// <summary>A pointer held by a row kernel: its type, its name, and the span it pins (null for a widened parameter).</summary>
    private sealed record Field(string Type, string Name, string? Source);

    private List<Field> ForwardFields()
    {
        string parameterType = _half ? "float" : T;
        var fields = new List<Field> { new(S, "x", "input") };
        if (_inputBias)
        {
            fields.Add(new Field(parameterType, "ib", _half ? null : "inputBias"));
        }

        if (_residual)
        {
            fields.Add(new Field(S, "res", "residual"));
        }

        fields.AddRange(AffineFields(parameterType, _norm.HasBias));
        fields.Add(new Field(S, "y", "output"));
        if (_residual)
        {
            fields.Add(new Field(S, "resOut", "residualOutput"));
        }

        fields.AddRange(StatisticNames.Select(s => new Field(T, s + "Out", s)));
        return fields;
    }

    private List<Field> BackwardFields()
    {
        string parameterType = _half ? "float" : T;
        var fields = new List<Field> { new(S, "dy", "gradOutput"), new(S, "x", BackwardInputName) };
        if (BackwardTakesInputBias)
        {
            fields.Add(new Field(parameterType, "ib", _half ? null : "inputBias"));
        }

        fields.AddRange(AffineFields(parameterType, BackwardTakesBias));
        fields.AddRange(StatisticNames.Select(s => new Field(T, s + "In", s)));
        fields.Add(new Field(S, "dx", "gradInput"));
        fields.AddRange(ParameterGradients.Select(g => new Field(T, g + "Partial", g + "Partials.Span")));
        return fields;
    }

    private IEnumerable<Field> AffineFields(string type, bool withBias)
    {
        if (_norm.HasWeight)
        {
            yield return new Field(type, "w", _half ? null : "weight");
        }

        if (withBias)
        {
            yield return new Field(type, "b", _half ? null : "bias");
        }
    }

    /// <summary>Half kernels: the parameters widened once per forward call, as (pointer, span) in buffer order.</summary>
    private List<(string Pointer, string Span)> ForwardWidenedParameters() =>
        _half ? WidenedParameters(_inputBias, _norm.HasBias) : new List<(string, string)>();

    private List<(string Pointer, string Span)> BackwardWidenedParameters() =>
        _half ? WidenedParameters(BackwardTakesInputBias, BackwardTakesBias) : new List<(string, string)>();

    private List<(string Pointer, string Span)> WidenedParameters(bool inputBias, bool bias)
    {
        var widened = new List<(string, string)>();
        if (_norm.HasWeight)
        {
            widened.Add(("w", "weight"));
        }

        if (bias)
        {
            widened.Add(("b", "bias"));
        }

        if (inputBias)
        {
            widened.Add(("ib", "inputBias"));
        }

        return widened;
    }

    private List<string> ParameterGradients
    {
        get
        {
            var gradients = new List<string>();
            if (_inputBias)
            {
                gradients.Add("gradInputBias");
            }

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

    private void WriteAffineChecks(CodeWriter writer, bool withBias)
    {
        if (_norm.HasWeight)
        {
            writer.Line($"{Runtime}.KernelArguments.RequireLength(weight.Length, RowLength, nameof(weight));");
        }

        if (withBias)
        {
            writer.Line($"{Runtime}.KernelArguments.RequireLength(bias.Length, RowLength, nameof(bias));");
        }
    }

    // ---------------------------------------------------------------- row-range kernels

    /// <summary>Float scratch rows a forward worker needs: Half kernels widen each row into one.</summary>
    private int ForwardScratchRows => _half ? 1 : 0;

    /// <summary>
    /// Scratch rows a backward worker needs: Half kernels widen the input and the gradient; the activation
    /// needs its recomputed input, and (float and double) a copy of the gradient it turns into dz.
    /// </summary>
    private int BackwardScratchRows => _half ? (HasActivation ? 3 : 2) : (HasActivation ? 2 : 0);

    private void WriteForwardRows(CodeWriter writer)
    {
        List<Field> fields = ForwardFields();
        writer.Line(_half
            ? "/// <summary>Normalizes a range of rows, each widened to float scratch; holds pointers pinned by <c>Forward</c>.</summary>"
            : "/// <summary>Normalizes a range of rows; holds pointers pinned by <c>Forward</c>.</summary>");
        using (writer.Block($"private readonly struct ForwardRows : {Runtime}.IRowKernel"))
        {
            WritePointerFields(writer, "ForwardRows", fields, _half ? null : "stream");
            writer.Line();
            WriteExecute(writer, "int firstRow, int rowCount", "firstRow, rowCount", ForwardScratchRows, WriteForwardLoop);
        }
    }

    private void WriteForwardLoop(CodeWriter writer)
    {
        if (_half)
        {
            writer.Line("float* widened = scratch;");
        }

        using (writer.Block("for (int row = firstRow; row < firstRow + rowCount; row++)"))
        {
            writer.Line("long offset = (long)row * RowLength;");
            var arguments = new List<string>();
            if (_half)
            {
                if (_residual)
                {
                    string bias = _inputBias ? "Row(_ib)" : "default";
                    writer.Line($"{Runtime}.HalfConversion.AddResidual(Row(_x + offset), {bias}, Row(_res + offset), Row(_resOut + offset), Row(widened));");
                }
                else if (_inputBias)
                {
                    writer.Line($"{Runtime}.HalfConversion.AddToSingle(Row(_x + offset), Row(_ib), Row(widened));");
                }
                else
                {
                    writer.Line($"{Runtime}.HalfConversion.ToSingle(Row(_x + offset), Row(widened));");
                }

                arguments.Add("widened");
                arguments.AddRange(AffinePointers(_norm.HasBias).Select(p => "_" + p));
                arguments.Add("widened");
            }
            else
            {
                arguments.Add("_x + offset");
                if (_inputBias)
                {
                    arguments.Add("_ib");
                }

                if (_residual)
                {
                    arguments.Add("_res + offset");
                    arguments.Add("_resOut + offset");
                }

                arguments.AddRange(AffinePointers(_norm.HasBias).Select(p => "_" + p));
                arguments.Add("_y + offset");
            }

            arguments.AddRange(StatisticNames.Select(s => $"out {T} {s}"));
            if (!_half)
            {
                arguments.Add("_stream");
            }

            writer.Line($"ForwardRow({string.Join(", ", arguments)});");
            string output = _half ? "widened" : "_y + offset";
            if (HasActivation)
            {
                writer.Line($"Activate({output});");
            }

            if (_half)
            {
                writer.Line($"{Runtime}.HalfConversion.ToHalf(Row(widened), Row(_y + offset));");
            }

            foreach (string statistic in StatisticNames)
            {
                writer.Line($"if (_{statistic}Out != null) _{statistic}Out[row] = {statistic};");
            }
        }

        if (!_half)
        {
            WriteStoreFence(writer);
        }
    }

    private void WriteBackwardBlocks(CodeWriter writer)
    {
        List<Field> fields = BackwardFields();
        writer.Line("/// <summary>Back-propagates one block of rows, summing its parameter gradients into the block's own partial rows.</summary>");
        using (writer.Block($"private readonly struct BackwardBlocks : {Runtime}.IRowBlockKernel"))
        {
            WritePointerFields(writer, "BackwardBlocks", fields, _half ? null : "stream");
            writer.Line();
            WriteExecute(writer, "int block, int firstRow, int rowCount", "block, firstRow, rowCount", BackwardScratchRows, WriteBackwardLoop);
        }
    }

    private void WriteBackwardLoop(CodeWriter writer)
    {
        foreach (string gradient in ParameterGradients)
        {
            writer.Line($"{T}* {gradient} = _{gradient}Partial == null ? null : _{gradient}Partial + (long)block * RowLength;");
            writer.Line($"if ({gradient} != null) new {Span}<{T}>({gradient}, RowLength).Clear();");
        }

        if (_half)
        {
            writer.Line(HasActivation
                ? "float* widened = scratch, gradient = scratch + RowLength, z = scratch + 2 * RowLength;"
                : "float* widened = scratch, gradient = scratch + RowLength;");
        }
        else if (HasActivation)
        {
            writer.Line($"{T}* z = scratch, gradient = scratch + RowLength;");
        }

        using (writer.Block("for (int row = firstRow; row < firstRow + rowCount; row++)"))
        {
            writer.Line("long offset = (long)row * RowLength;");
            string statistics = string.Join(", ", StatisticNames);
            if (HasActivation)
            {
                writer.Line($"{T} {string.Join(", ", StatisticNames.Select(s => $"{s} = _{s}In[row]"))};");
            }
            else
            {
                statistics = string.Join(", ", StatisticNames.Select(s => $"_{s}In[row]"));
            }

            string x = "_x + offset";
            string dy = "_dy + offset";
            string dx = "_dx + offset";
            if (_half)
            {
                if (BackwardTakesInputBias)
                {
                    writer.Line($"{Runtime}.HalfConversion.AddToSingle(Row(_x + offset), Row(_ib), Row(widened));");
                }
                else
                {
                    writer.Line($"{Runtime}.HalfConversion.ToSingle(Row(_x + offset), Row(widened));");
                }

                writer.Line($"{Runtime}.HalfConversion.ToSingle(Row(_dy + offset), Row(gradient));");
                x = "widened";
                dy = "gradient";
                dx = "gradient";
            }

            var inputArguments = new List<string> { x };
            if (BackwardRoutinesAddInputBias)
            {
                inputArguments.Add("_ib");
            }

            if (HasActivation)
            {
                writer.Line("// The activation's input, recomputed from the saved statistics, turns dy into dz.");
                var normalize = new List<string>(inputArguments);
                normalize.AddRange(AffinePointers(BackwardTakesBias).Select(p => "_" + p));
                normalize.Add(statistics);
                normalize.Add("z");
                writer.Line($"NormalizeRow({string.Join(", ", normalize)});");
                if (!_half)
                {
                    writer.Line("Row(_dy + offset).CopyTo(Row(gradient));");
                    dy = "gradient";
                }

                writer.Line("ActivateBackward(z, gradient);");
            }

            var arguments = new List<string> { dy };
            arguments.AddRange(inputArguments);
            if (_norm.HasWeight)
            {
                arguments.Add("_w");
            }

            arguments.Add(statistics);
            arguments.Add(dx);
            arguments.AddRange(ParameterGradients);
            if (!_half)
            {
                arguments.Add("_stream");
            }

            writer.Line($"BackwardRow({string.Join(", ", arguments)});");
            if (_half)
            {
                writer.Line($"{Runtime}.HalfConversion.ToHalf(Row(gradient), Row(_dx + offset));");
            }
        }

        if (!_half)
        {
            WriteStoreFence(writer);
        }
    }

    /// <summary>Orders a worker's non-temporal stores before it reports its rows done.</summary>
    private static void WriteStoreFence(CodeWriter writer)
    {
        writer.Line();
        using (writer.Block("if (_stream)"))
        {
            writer.Line("if (global::System.Runtime.Intrinsics.X86.Sse.IsSupported) global::System.Runtime.Intrinsics.X86.Sse.StoreFence();");
            writer.Line("else global::System.Threading.Interlocked.MemoryBarrier();");
        }
    }

    /// <summary>
    /// Writes <c>Execute</c>: with no scratch, the loop itself; otherwise it finds the scratch rows (on the
    /// stack when small, else one pooled buffer per call) and hands them to <c>Run</c>, which holds the loop.
    /// </summary>
    private void WriteExecute(CodeWriter writer, string parameters, string arguments, int scratchRows, System.Action<CodeWriter> loop)
    {
        if (scratchRows == 0)
        {
            writer.Line(Optimized);
            using (writer.Block($"public void Execute({parameters})"))
            {
                loop(writer);
            }

            return;
        }

        string rows = scratchRows == 1 ? "RowLength" : $"{scratchRows} * RowLength";
        string what = scratchRows == 1 ? $"one row of {T}" : $"{scratchRows} rows of {T}";
        writer.Line(Optimized);
        using (writer.Block($"public void Execute({parameters})"))
        {
            if ((long)scratchRows * _norm.RowLength * _t.Size <= MaxStackScratchBytes)
            {
                writer.Line($"// Scratch: {what}, on the stack.");
                writer.Line($"{T}* scratch = stackalloc {T}[{rows}];");
                writer.Line($"Run({arguments}, scratch);");
            }
            else
            {
                writer.Line($"// Scratch: {what}, too long for the stack: one pooled buffer per call.");
                writer.Line($"{T}[] rented = {ArrayPool}<{T}>.Shared.Rent({rows});");
                using (writer.Block("try"))
                {
                    using (writer.Block($"fixed ({T}* scratch = rented)"))
                    {
                        writer.Line($"Run({arguments}, scratch);");
                    }
                }

                using (writer.Block("finally"))
                {
                    writer.Line($"{ArrayPool}<{T}>.Shared.Return(rented);");
                }
            }
        }

        writer.Line();
        writer.Line(Optimized);
        using (writer.Block($"private void Run({parameters}, {T}* scratch)"))
        {
            loop(writer);
        }
    }

    private void WritePointerFields(CodeWriter writer, string typeName, List<Field> fields, string? flag = null, string? count = null)
    {
        foreach (Field field in fields)
        {
            writer.Line($"private readonly {field.Type}* _{field.Name};");
        }

        var parameters = fields.Select(f => $"{f.Type}* {f.Name}").ToList();
        if (count is not null)
        {
            writer.Line($"private readonly int _{count};");
            parameters.Add($"int {count}");
        }

        if (flag is not null)
        {
            writer.Line($"private readonly bool _{flag};");
            parameters.Add($"bool {flag}");
        }

        writer.Line();
        writer.Line($"public {typeName}({string.Join(", ", parameters)})");
        writer.Line("{");
        foreach (Field field in fields)
        {
            writer.Line($"    _{field.Name} = {field.Name};");
        }

        if (count is not null)
        {
            writer.Line($"    _{count} = {count};");
        }

        if (flag is not null)
        {
            writer.Line($"    _{flag} = {flag};");
        }

        writer.Line("}");
    }

    /// <summary>The span views and activation calls that the row kernels share, when they need them.</summary>
    private void WriteRowHelpers(CodeWriter writer)
    {
        if (!_half && !HasActivation)
        {
            return;
        }

        writer.Line();
        writer.Line("/// <summary>The row that starts at <paramref name=\"start\"/>.</summary>");
        writer.Line($"private static {Span}<{T}> Row({T}* start) => new {Span}<{T}>(start, RowLength);");
        if (_half)
        {
            writer.Line();
            writer.Line("/// <summary>The Half row that starts at <paramref name=\"start\"/>.</summary>");
            writer.Line($"private static {Span}<{HalfType}> Row({HalfType}* start) => new {Span}<{HalfType}>(start, RowLength);");
        }

        if (HasActivation)
        {
            writer.Line();
            writer.Line($"/// <summary>Applies the fused {ActivationDescription} to one row, in place.</summary>");
            writer.Line($"private static void Activate({T}* y) => {Runtime}.Activations.{ActivationMethod}(Row(y), Row(y));");
            writer.Line();
            writer.Line($"/// <summary>Multiplies one row's gradient by the derivative of the fused {ActivationDescription} at <paramref name=\"z\"/>.</summary>");
            writer.Line($"private static void ActivateBackward({T}* z, {T}* gradient) => {Runtime}.Activations.{ActivationMethod}Backward(Row(z), Row(gradient));");
        }
    }

    // ---------------------------------------------------------------- row routines

    private IEnumerable<string> AffinePointers(bool withBias)
    {
        if (_norm.HasWeight)
        {
            yield return "w";
        }

        if (withBias)
        {
            yield return "b";
        }
    }

    private List<string> ForwardRowParameters()
    {
        var parameters = new List<string> { $"{T}* x" };
        if (RoutinesAddInputBias)
        {
            parameters.Add($"{T}* ib");
        }

        if (RoutinesAddResidual)
        {
            parameters.Add($"{T}* res");
            parameters.Add($"{T}* resOut");
        }

        parameters.AddRange(AffinePointers(_norm.HasBias).Select(p => $"{T}* {p}"));
        parameters.Add($"{T}* y");
        parameters.AddRange(StatisticNames.Select(s => $"out {T} {s}"));
        if (!_half)
        {
            parameters.Add("bool stream");
        }

        return parameters;
    }

    private List<string> NormalizeRowParameters()
    {
        var parameters = new List<string> { $"{T}* x" };
        if (BackwardRoutinesAddInputBias)
        {
            parameters.Add($"{T}* ib");
        }

        parameters.AddRange(AffinePointers(BackwardTakesBias).Select(p => $"{T}* {p}"));
        parameters.AddRange(StatisticNames.Select(s => $"{T} {s}"));
        parameters.Add($"{T}* z");
        return parameters;
    }

    private List<string> BackwardRowParameters()
    {
        var parameters = new List<string> { $"{T}* dy", $"{T}* x" };
        if (BackwardRoutinesAddInputBias)
        {
            parameters.Add($"{T}* ib");
        }

        if (_norm.HasWeight)
        {
            parameters.Add($"{T}* w");
        }

        parameters.AddRange(StatisticNames.Select(s => $"{T} {s}"));
        parameters.Add($"{T}* dx");
        parameters.AddRange(ParameterGradients.Select(g => $"{T}* {g}"));
        if (!_half)
        {
            parameters.Add("bool stream");
        }

        return parameters;
    }

    /// <summary>
    /// The value the forward routine normalizes at <paramref name="index"/>, read in its first pass: the input, plus the
    /// input bias and the residual where those adds are fused. <paramref name="v"/> is the vector helper, or null for scalar code.
    /// </summary>
    private string FirstInput(string? v, string index)
    {
        string value = Load(v, "x", index);
        if (RoutinesAddInputBias)
        {
            value += " + " + Load(v, "ib", index);
        }

        if (RoutinesAddResidual)
        {
            value += " + " + Load(v, "res", index);
        }

        return value;
    }

    /// <summary>Whether the first pass computes a sum rather than reading the input as it is.</summary>
    private bool FirstPassAdds => RoutinesAddInputBias || RoutinesAddResidual;

    /// <summary>
    /// The value the forward routine normalizes, in its later passes: the sum again where adds are fused, or the input.
    /// </summary>
    /// <remarks>
    /// The residual sum is added again rather than read back: the summands are still in L1, and the last pass then
    /// writes both outputs together, so a streaming call sends both past the cache and leaves it to the inputs.
    /// </remarks>
    private string ForwardInput(string? v, string index) => FirstPassAdds ? $"({FirstInput(v, index)})" : Load(v, "x", index);

    /// <summary>The value the backward routines normalize: the input (plus bias), or the saved residual sum.</summary>
    private string BackwardInput(string? v, string index) => BackwardRoutinesAddInputBias
        ? $"({Load(v, "x", index)} + {Load(v, "ib", index)})"
        : Load(v, "x", index);

    private static string Load(string? v, string pointer, string index) =>
        v is null ? $"{pointer}[{index}]" : $"{v}.Load({pointer} + {index})";

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

    /// <summary>Reads (or, with fused adds, computes) the first-pass value in <paramref name="local"/>.</summary>
    private void WriteFirstInput(CodeWriter writer, string indent, string v, string vt, string local, string index) =>
        writer.Line($"{indent}{vt} {local} = {FirstInput(v, index)};");

    /// <summary>The scalar first pass's statement that gets the value at i into <c>xi</c>.</summary>
    private string ScalarFirstInput => $"{T} xi = {FirstInput(null, "i")};";

    private void WriteForwardRowVector(CodeWriter writer, VectorWidth width)
    {
        string v = width.Helper;
        string vt = $"{v}<{T}>";
        string[] offsets = ["i", "i + Lanes", "i + 2 * Lanes", "i + 3 * Lanes"];

        writer.Line(Optimized);
        writer.Line($"private static void ForwardRow{width.Name}({string.Join(", ", ForwardRowParameters())})");
        writer.Line("{");
        writer.Line($"    const int Lanes = {width.Lanes(_t)};");
        writer.Line("    int i = 0;");
        writer.Line($"    {vt} s0 = {vt}.Zero, s1 = s0, s2 = s0, s3 = s0;");
        writer.Line();
        string fusedFirst = RoutinesAddResidual
            ? (RoutinesAddInputBias ? " of x + ib + res" : " of x + res")
            : RoutinesAddInputBias ? " of x + ib" : "";
        if (_centered)
        {
            WriteShiftedStatistics(writer, width, fusedFirst);
        }
        else
        {
            writer.Line($"    // Mean square{fusedFirst}, over four independent accumulators.");
            writer.Line("    for (; i <= RowLength - 4 * Lanes; i += 4 * Lanes)");
            writer.Line("    {");
            for (int k = 0; k < 4; k++)
            {
                WriteFirstInput(writer, "        ", v, vt, $"x{k}", offsets[k]);
                writer.Line($"        s{k} += x{k} * x{k};");
            }

            writer.Line("    }");
            writer.Line();
            writer.Line("    for (; i <= RowLength - Lanes; i += Lanes)");
            writer.Line("    {");
            WriteFirstInput(writer, "        ", v, vt, "xi", "i");
            writer.Line("        s0 += xi * xi;");
            writer.Line("    }");
            writer.Line();
            writer.Line($"    {T} squares = {v}.Sum((s0 + s1) + (s2 + s3));");
            writer.Line(FirstPassAdds
                ? $"    for (; i < RowLength; i++) {{ {ScalarFirstInput} squares += xi * xi; }}"
                : "    for (; i < RowLength; i++) squares += x[i] * x[i];");
        }

        writer.Line($"    rstd = 1 / {_t.Sqrt}(squares / RowLength + Epsilon);");
        writer.Line($"    {vt} r = {v}.Create(rstd);");
        writer.Line();
        string affine = (_norm.HasWeight, _norm.HasBias) switch
        {
            (true, true) => "normalize, then scale and shift",
            (true, false) => "normalize, then scale",
            _ => "normalize",
        };
        writer.Line(RoutinesAddResidual ? $"    // Write the residual sum and {affine} it." : $"    // {char.ToUpperInvariant(affine[0])}{affine.Substring(1)}.");
        if (!_half)
        {
            writer.Line("    if (stream)");
            writer.Line("    {");
            WriteAlignedHead(writer, width, "y");
            if (RoutinesAddResidual)
            {
                writer.Line("        // The residual sum streams too where it shares y's offset within a vector; otherwise it is stored as usual.");
                writer.Line($"        bool residualAligned = aligned && (((nuint)resOut ^ (nuint)y) & {width.Bytes - 1}) == 0;");
            }

            writer.Line($"        for (i = 0; i < head; i++) {ScalarNormalizeStatement}");
            writer.Line("        for (; aligned && i <= RowLength - Lanes; i += Lanes)");
            WriteNormalizeBody(writer, width, streaming: true, "        ");
            writer.Line($"        for (; i < RowLength; i++) {ScalarNormalizeStatement}");
            writer.Line("        return;");
            writer.Line("    }");
            writer.Line();
        }

        writer.Line("    for (i = 0; i <= RowLength - Lanes; i += Lanes)");
        WriteNormalizeBody(writer, width, streaming: false, "    ");
        writer.Line();
        writer.Line($"    for (; i < RowLength; i++) {ScalarNormalizeStatement}");
        writer.Line("}");
    }

    /// <summary>
    /// The centered routine's statistics in one pass over the row: sums of the deviations from a provisional mean
    /// (the mean of the row's first elements) and of their squares, then the exact correction of both
    /// (the shifted-data algorithm of Chan, Golub and LeVeque).
    /// </summary>
    /// <remarks>
    /// Subtracting the provisional mean removes any common offset before squaring, so rows far from zero keep an
    /// accurate variance and a constant row gets exactly its value as mean. The cancellation the correction leaves
    /// grows with (mean − provisional)² / variance, which is at most D / K for a provisional mean of K elements:
    /// K is 16 or more, the rounding error stays within a few hundred ulps of the variance for D up to 16K, and
    /// the row is read once instead of twice. Longer rows go chunk by chunk (<see cref="WriteChunkedStatistics"/>).
    /// </remarks>
    private void WriteShiftedStatistics(CodeWriter writer, VectorWidth width, string fusedFirst)
    {
        string v = width.Helper;
        string vt = $"{v}<{T}>";
        int lanes = width.Lanes(_t);
        int provisionalVectors = System.Math.Max(1, System.Math.Min(16 / lanes, _norm.RowLength / lanes));
        string[] offsets = ["i", "i + Lanes", "i + 2 * Lanes", "i + 3 * Lanes"];

        if (ChunkedStatistics)
        {
            WriteChunkedStatistics(writer, width, fusedFirst);
            return;
        }

        writer.Line($"    // Provisional mean: the mean of the first {provisionalVectors * lanes} elements{fusedFirst}.");
        string provisionalSum = provisionalVectors == 1
            ? FirstInput(v, "0").Replace(" + 0)", ")")
            : string.Join(" + ", Enumerable.Range(0, provisionalVectors).Select(k => "(" + FirstInput(v, k == 0 ? "0" : $"{k} * Lanes").Replace(" + 0)", ")") + ")"));
        writer.Line($"    {T} provisional = {v}.Sum({provisionalSum}) / {provisionalVectors * lanes};");
        writer.Line($"    {vt} c = {v}.Create(provisional);");
        writer.Line();
        writer.Line($"    // Deviations from it{fusedFirst} and their squares, over four pairs of accumulators.");
        writer.Line($"    {vt} q0 = {vt}.Zero, q1 = q0, q2 = q0, q3 = q0;");
        writer.Line("    for (; i <= RowLength - 4 * Lanes; i += 4 * Lanes)");
        writer.Line("    {");
        for (int k = 0; k < 4; k++)
        {
            WriteFirstInput(writer, "        ", v, vt, $"x{k}", offsets[k]);
            writer.Line($"        {vt} d{k} = x{k} - c;");
            writer.Line($"        s{k} += d{k};");
            writer.Line($"        q{k} += d{k} * d{k};");
        }

        writer.Line("    }");
        writer.Line();
        writer.Line("    for (; i <= RowLength - Lanes; i += Lanes)");
        writer.Line("    {");
        WriteFirstInput(writer, "        ", v, vt, "xi", "i");
        writer.Line("        xi -= c;");
        writer.Line("        s0 += xi;");
        writer.Line("        q0 += xi * xi;");
        writer.Line("    }");
        writer.Line();
        writer.Line($"    {T} deviations = {v}.Sum((s0 + s1) + (s2 + s3)), squares = {v}.Sum((q0 + q1) + (q2 + q3));");
        writer.Line($"    for (; i < RowLength; i++) {{ {ScalarFirstInput} {T} d = xi - provisional; deviations += d; squares += d * d; }}");
        writer.Line("    mean = provisional;");
        WriteMeanCorrection(writer);
        writer.Line($"    {vt} m = {v}.Create(mean);");
    }

    /// <summary>
    /// The start of a streaming pass: how many elements of <paramref name="output"/> come before its first
    /// vector-aligned address (<c>head</c>, done in scalar code), and whether vectors can be aligned at all.
    /// </summary>
    private void WriteAlignedHead(CodeWriter writer, VectorWidth width, string output, string length = "RowLength")
    {
        writer.Line($"        // Large calls: aligned non-temporal stores of {output}, which skip reading each line before overwriting it.");
        writer.Line($"        // The elements before {output}'s first aligned address go through the scalar path.");
        writer.Line($"        int head = (int)((nuint){output} & {width.Bytes - 1});");
        writer.Line($"        head = head == 0 || head % {_t.Size} != 0 ? 0 : global::System.Math.Min(({width.Bytes} - head) / {_t.Size}, {length});");
        writer.Line($"        bool aligned = ((nuint){output} & {_t.Size - 1}) == 0;");
    }

    /// <summary>The scalar form of the last pass at index i.</summary>
    private string ScalarNormalizeStatement => RoutinesAddResidual
        ? $"{{ {T} xi = {FirstInput(null, "i")}; resOut[i] = xi; y[i] = {Affine(ScalarNormalized("xi"), "w[i]", "b[i]")}; }}"
        : $"y[i] = {Affine(ScalarNormalized(ForwardInput(null, "i")), "w[i]", "b[i]")};";

    /// <summary>The last pass's vector body: normalize, scale and shift, store (non-temporally when streaming).</summary>
    private void WriteNormalizeBody(CodeWriter writer, VectorWidth width, bool streaming, string indent)
    {
        string v = width.Helper;
        string store = streaming ? $"{v}.StoreAlignedNonTemporal" : $"{v}.Store";
        writer.Line($"{indent}{{");
        if (RoutinesAddResidual)
        {
            writer.Line($"{indent}    {v}<{T}> xi = {FirstInput(v, "i")};");
            writer.Line(streaming
                ? $"{indent}    if (residualAligned) {v}.StoreAlignedNonTemporal(xi, resOut + i); else {v}.Store(xi, resOut + i);"
                : $"{indent}    {v}.Store(xi, resOut + i);");
            writer.Line($"{indent}    {store}({Affine(VectorNormalized(v, "xi"), $"{v}.Load(w + i)", $"{v}.Load(b + i)")}, y + i);");
        }
        else
        {
            writer.Line($"{indent}    {store}({Affine(VectorNormalized(v, ForwardInput(v, "i")), $"{v}.Load(w + i)", $"{v}.Load(b + i)")}, y + i);");
        }

        writer.Line($"{indent}}}");
    }

    private string VectorNormalized(string v, string input) => _centered ? $"({input} - m) * r" : $"{input} * r";

    private string ScalarNormalized(string input) => _centered ? $"({input} - mean) * rstd" : $"{input} * rstd";

    /// <summary>Applies the deviations' sum: mean += Σd/D and Σd² -= (Σd)²/D, never below zero.</summary>
    private void WriteMeanCorrection(CodeWriter writer)
    {
        writer.Line($"    {T} shift = deviations / RowLength;");
        writer.Line("    mean += shift;");
        writer.Line("    squares -= deviations * shift;");
        writer.Line("    if (squares < 0) squares = 0;");
    }

    private string Affine(string normalized, string weight, string bias) => Affine(normalized, weight, bias, _norm.HasBias);

    private string Affine(string normalized, string weight, string bias, bool withBias) => (_norm.HasWeight, withBias) switch
    {
        (true, true) => $"{normalized} * {weight} + {bias}",
        (true, false) => $"{normalized} * {weight}",
        _ => normalized,
    };

    private void WriteForwardRowScalar(CodeWriter writer)
    {
        writer.Line(Optimized);
        writer.Line($"private static void ForwardRowScalar({string.Join(", ", ForwardRowParameters())})");
        writer.Line("{");
        if (_centered)
        {
            writer.Line($"    {T} sum = 0;");
            writer.Line(FirstPassAdds
                ? $"    for (int i = 0; i < RowLength; i++) {{ {ScalarFirstInput} sum += xi; }}"
                : "    for (int i = 0; i < RowLength; i++) sum += x[i];");
            writer.Line("    mean = sum / RowLength;");
            writer.Line($"    {T} deviations = 0, squares = 0;");
            writer.Line($"    for (int i = 0; i < RowLength; i++) {{ {T} d = {ForwardInput(null, "i")} - mean; deviations += d; squares += d * d; }}");
            WriteMeanCorrection(writer);
        }
        else
        {
            writer.Line($"    {T} squares = 0;");
            writer.Line(FirstPassAdds
                ? $"    for (int i = 0; i < RowLength; i++) {{ {ScalarFirstInput} squares += xi * xi; }}"
                : "    for (int i = 0; i < RowLength; i++) squares += x[i] * x[i];");
        }

        writer.Line($"    rstd = 1 / {_t.Sqrt}(squares / RowLength + Epsilon);");
        writer.Line($"    for (int i = 0; i < RowLength; i++) {ScalarNormalizeStatement}");
        writer.Line("}");
    }

    /// <summary>
    /// The forward routine's last loop alone, reading the saved statistics: the same expressions in the same
    /// order, through the same width, so z matches what forward fed the activation bit for bit.
    /// </summary>
    private void WriteNormalizeRow(CodeWriter writer, VectorWidth? width)
    {
        string name = width is null ? "Scalar" : width.Name;
        writer.Line(Optimized);
        writer.Line($"private static void NormalizeRow{name}({string.Join(", ", NormalizeRowParameters())})");
        writer.Line("{");
        string scalar = Affine(ScalarNormalized(BackwardInput(null, "i")), "w[i]", "b[i]", BackwardTakesBias);
        if (width is null)
        {
            writer.Line($"    for (int i = 0; i < RowLength; i++) z[i] = {scalar};");
            writer.Line("}");
            return;
        }

        string v = width.Helper;
        string vt = $"{v}<{T}>";
        writer.Line($"    const int Lanes = {width.Lanes(_t)};");
        if (_centered)
        {
            writer.Line($"    {vt} m = {v}.Create(mean);");
        }

        writer.Line($"    {vt} r = {v}.Create(rstd);");
        writer.Line("    int i = 0;");
        writer.Line("    for (; i <= RowLength - Lanes; i += Lanes)");
        writer.Line("    {");
        writer.Line($"        {v}.Store({Affine(VectorNormalized(v, BackwardInput(v, "i")), $"{v}.Load(w + i)", $"{v}.Load(b + i)", BackwardTakesBias)}, z + i);");
        writer.Line("    }");
        writer.Line();
        writer.Line($"    for (; i < RowLength; i++) z[i] = {scalar};");
        writer.Line("}");
    }

    private void WriteBackwardRowVector(CodeWriter writer, VectorWidth width)
    {
        writer.Line(Optimized);
        writer.Line($"private static void BackwardRow{width.Name}({string.Join(", ", BackwardRowParameters())})");
        writer.Line("{");
        writer.Line($"    const int Lanes = {width.Lanes(_t)};");
        WriteStatisticVectors(writer, width);
        writer.Line();
        WriteGradientSums(writer, width);
        writer.Line();
        WriteGradientPass(writer, width, "RowLength");
        writer.Line("}");
    }

    private void WriteStatisticVectors(CodeWriter writer, VectorWidth width)
    {
        string v = width.Helper;
        if (_centered)
        {
            writer.Line($"    {v}<{T}> m = {v}.Create(mean);");
        }

        writer.Line($"    {v}<{T}> r = {v}.Create(rstd);");
    }

    /// <summary>Backward's first pass over a whole row: declares <c>i</c>, <c>gMean</c> (centered) and <c>gxMean</c>.</summary>
    private void WriteGradientSums(CodeWriter writer, VectorWidth width)
    {
        string v = width.Helper;
        string vt = $"{v}<{T}>";
        string xhat = VectorNormalized(v, BackwardInput(v, "i"));
        string g = _norm.HasWeight ? $"{v}.Load(dy + i) * {v}.Load(w + i)" : $"{v}.Load(dy + i)";
        string scalarXhat = ScalarNormalized(BackwardInput(null, "i"));
        string scalarG = _norm.HasWeight ? "dy[i] * w[i]" : "dy[i]";
        string gDefinition = _norm.HasWeight ? "g = dy·γ" : "g = dy";
        string xDefinition = BackwardRoutinesAddInputBias ? "x + ib" : "x";
        writer.Line(_centered
            ? $"    // Row sums of g and g·x̂, where {gDefinition} and x̂ = ({xDefinition} - mean)·rstd."
            : $"    // Row sum of g·x̂, where {gDefinition} and x̂ = {xDefinition}·rstd.");
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
    }

    /// <summary>
    /// Backward's last pass over <paramref name="length"/> elements from the row sums (<c>gMean</c>, <c>gxMean</c>):
    /// dx, and the parameter gradients added in.
    /// </summary>
    private void WriteGradientPass(CodeWriter writer, VectorWidth width, string length)
    {
        string v = width.Helper;
        string vt = $"{v}<{T}>";
        string xhat = VectorNormalized(v, BackwardInput(v, "i"));
        string scalarXhat = ScalarNormalized(BackwardInput(null, "i"));
        string scalarG = _norm.HasWeight ? "dy[i] * w[i]" : "dy[i]";
        var notes = new List<string>();
        if (_norm.HasWeight)
        {
            notes.Add(_norm.HasBias ? "the parameter gradients take dy·x̂ and dy" : "the weight gradient takes dy·x̂");
        }

        if (_inputBias)
        {
            notes.Add("the input bias's takes dx");
        }

        string parameterNote = notes.Count > 0 ? "; " + string.Join(", ", notes) : "";
        writer.Line(_centered
            ? $"    // dx = rstd·(g - mean(g) - x̂·mean(g·x̂)){parameterNote}."
            : $"    // dx = rstd·(g - x̂·mean(g·x̂)){parameterNote}.");
        if (_centered)
        {
            writer.Line($"    {vt} gm = {v}.Create(gMean);");
        }

        writer.Line($"    {vt} gxm = {v}.Create(gxMean);");
        if (!_half)
        {
            writer.Line("    if (stream)");
            writer.Line("    {");
            WriteAlignedHead(writer, width, "dx", length);
            WriteBackwardScalarLoop(writer, "for (i = 0; i < head; i++)", scalarXhat, scalarG, "        ");
            writer.Line($"        for (; aligned && i <= {length} - Lanes; i += Lanes)");
            WriteBackwardVectorBody(writer, width, xhat, streaming: true, "        ");
            WriteBackwardScalarLoop(writer, $"for (; i < {length}; i++)", scalarXhat, scalarG, "        ");
            writer.Line("        return;");
            writer.Line("    }");
            writer.Line();
        }

        writer.Line($"    for (i = 0; i <= {length} - Lanes; i += Lanes)");
        WriteBackwardVectorBody(writer, width, xhat, streaming: false, "    ");
        writer.Line();
        WriteBackwardScalarLoop(writer, $"for (; i < {length}; i++)", scalarXhat, scalarG, "    ");
    }

    /// <summary>The vector body of backward's last pass: dx (stored non-temporally when streaming) and the parameter gradients.</summary>
    private void WriteBackwardVectorBody(CodeWriter writer, VectorWidth width, string xhat, bool streaming, string indent)
    {
        string v = width.Helper;
        string vt = $"{v}<{T}>";
        string load = $"{v}.Load";
        string store = streaming ? $"{v}.StoreAlignedNonTemporal" : $"{v}.Store";
        writer.Line($"{indent}{{");
        writer.Line($"{indent}    {vt} xhat = {xhat};");
        writer.Line($"{indent}    {vt} dyi = {load}(dy + i);");
        string gi = _norm.HasWeight ? $"dyi * {load}(w + i)" : "dyi";
        string dxValue = _centered ? $"r * ({gi} - gm - xhat * gxm)" : $"r * ({gi} - xhat * gxm)";
        if (_inputBias)
        {
            writer.Line($"{indent}    {vt} dxi = {dxValue};");
            writer.Line($"{indent}    {store}(dxi, dx + i);");
            writer.Line($"{indent}    if (gradInputBias != null) {v}.Store({load}(gradInputBias + i) + dxi, gradInputBias + i);");
        }
        else
        {
            writer.Line($"{indent}    {store}({dxValue}, dx + i);");
        }

        if (_norm.HasWeight)
        {
            writer.Line($"{indent}    if (gradWeight != null) {v}.Store({load}(gradWeight + i) + dyi * xhat, gradWeight + i);");
        }

        if (_norm.HasBias)
        {
            writer.Line($"{indent}    if (gradBias != null) {v}.Store({load}(gradBias + i) + dyi, gradBias + i);");
        }

        writer.Line($"{indent}}}");
    }

    private void WriteBackwardRowScalar(CodeWriter writer)
    {
        string scalarXhat = ScalarNormalized(BackwardInput(null, "i"));
        string scalarG = _norm.HasWeight ? "dy[i] * w[i]" : "dy[i]";

        writer.Line(Optimized);
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
        WriteBackwardScalarLoop(writer, "for (int i = 0; i < RowLength; i++)", scalarXhat, scalarG, "    ");
        writer.Line("}");
    }

    /// <summary>The scalar form of backward's last pass over the elements <paramref name="header"/> visits.</summary>
    private void WriteBackwardScalarLoop(CodeWriter writer, string header, string xhat, string g, string indent)
    {
        writer.Line(indent + header);
        writer.Line(indent + "{");
        // Read everything at i before writing dx[i]: dx may be the same memory as dy or x.
        writer.Line($"{indent}    {T} xhat = {xhat};");
        writer.Line($"{indent}    {T} dyi = dy[i];");
        string gi = g.Replace("dy[i]", "dyi");
        string dxValue = _centered ? $"rstd * ({gi} - gMean - xhat * gxMean)" : $"rstd * ({gi} - xhat * gxMean)";
        if (_inputBias)
        {
            writer.Line($"{indent}    {T} dxi = {dxValue};");
            writer.Line(indent + "    dx[i] = dxi;");
            writer.Line(indent + "    if (gradInputBias != null) gradInputBias[i] += dxi;");
        }
        else
        {
            writer.Line($"{indent}    dx[i] = {dxValue};");
        }

        if (_norm.HasWeight)
        {
            writer.Line(indent + "    if (gradWeight != null) gradWeight[i] += dyi * xhat;");
        }

        if (_norm.HasBias)
        {
            writer.Line(indent + "    if (gradBias != null) gradBias[i] += dyi;");
        }

        writer.Line(indent + "}");
    }

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
