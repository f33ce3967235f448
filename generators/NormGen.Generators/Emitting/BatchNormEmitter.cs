using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NormGen.Generators.Helpers;
using NormGen.Generators.Model;

namespace NormGen.Generators.Emitting;

/// <summary>
/// Writes the kernel of a BatchNorm: statistics per channel over the batch and every spatial axis, with
/// PyTorch's training and evaluation semantics, running statistics, and the pieces of a synchronized
/// (multi-shard) batch normalization.
/// </summary>
/// <remarks>
/// <para>
/// Two memory arrangements. Channels-first (<c>N,C,…</c>): every (n, c) is a contiguous run of
/// <c>Spatial</c> elements, and SIMD runs along the runs. Channels-last (<c>N,…,C</c>, and <c>N,C</c>,
/// whose runs have one element): every position is a contiguous run of <c>Channels</c> elements, and
/// SIMD runs across channels with one accumulator per lane. Either way, reductions split the rows
/// (runs or positions) into blocks fixed by the shape, each read in memory order, and a second,
/// sequential pass writes the output.
/// </para>
/// <para>
/// Statistics are (count, mean, M2) triples: each contiguous segment gets an exact two-pass mean and
/// M2 while it is in L1, and segments, then blocks, are merged with Chan's formula in a fixed order,
/// so results are bitwise reproducible at any thread count and never suffer <c>E[x²] - E[x]²</c>.
/// Half kernels convert segments to float scratch, compute in float and convert back.
/// </para>
/// </remarks>
internal sealed partial class BatchNormEmitter
{
    private const string Runtime = "global::NormGen.Kernels";
    private const string Arguments = "global::NormGen.Kernels.KernelArguments";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan";
    private const string Span = "global::System.Span";
    private const string Inline = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";

    /// <summary>
    /// On the routines and kernel bodies: compiled fully optimized on first use, so the first calls of a training run do
    /// not go through unoptimized loops.
    /// </summary>
    private const string Optimized = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    /// <summary>Elements a segment (channels-first) or chunk of positions (channels-last) aims at: 8 KiB of float, well inside L1.</summary>
    private const int SegmentTarget = 2048;

    private readonly NormSpec _norm;
    private readonly ElementTypeInfo _a;

    private BatchNormEmitter(NormSpec norm)
    {
        _norm = norm;
        _a = ElementTypeInfo.Of(norm.Element);
    }

    public static void Emit(CodeWriter writer, NormSpec norm) => new BatchNormEmitter(norm).Emit(writer);

    // ---------------------------------------------------------------- facts about the norm

    /// <summary>The storage type of tensors and parameters.</summary>
    private string T => _norm.Element == ElementKind.Half ? "global::System.Half" : _a.Keyword;

    /// <summary>The arithmetic type: statistics, saved mean/rstd, scratch.</summary>
    private string A => _a.Keyword;

    private bool IsHalf => _norm.Element == ElementKind.Half;

    private bool HasActivation => _norm.Activation != ActivationKind.None;

    private bool Affine => _norm.HasWeight;

    private bool Track => _norm.TrackRunningStats;

    private int Channels => _norm.Geometry.Channels;

    private int Spatial => _norm.Geometry.Spatial;

    /// <summary>
    /// Whether the kernels see contiguous runs of channels: channels-last layouts, and channels-first
    /// ones without spatial axes, which are the same arrangement.
    /// </summary>
    private bool ByPosition => _norm.Geometry.Kind == GeometryKind.ChannelsLast || Spatial == 1;

    /// <summary>Channels-first: the longest segment of one (n, c) run that a routine handles at once.</summary>
    private int SegmentLength => System.Math.Min(Spatial, SegmentTarget);

    /// <summary>Channels-last: positions per chunk.</summary>
    private int ChunkRows => System.Math.Max(1, SegmentTarget / Channels);

    /// <summary>Elements in one segment or chunk: the size of a scratch buffer.</summary>
    private int SegmentElements => ByPosition ? ChunkRows * Channels : SegmentLength;

    /// <summary>
    /// Whether large outputs are written with non-temporal stores: float/double outputs that nothing reads back (a fused
    /// activation re-reads the normalized values; Half output goes through a conversion).
    /// </summary>
    private bool CanStream => !IsHalf && !HasActivation;

    /// <summary>
    /// Channels-last streaming walks a chunk flat, one aligned vector after another, so a vector's channels may wrap around
    /// the end of a position: its per-channel coefficients are stored twice in a row, and any C consecutive channels are a
    /// contiguous slice.
    /// </summary>
    private bool RepeatsCoefficients => ByPosition && CanStream;

    private string ActivationName => _norm.Activation switch
    {
        ActivationKind.Relu => "Relu",
        ActivationKind.Gelu => "Gelu",
        ActivationKind.GeluTanh => "GeluTanh",
        ActivationKind.Silu => "Silu",
        _ => "",
    };

    private string Dimensionality => _norm.Layout.Length switch
    {
        2 or 3 => "BatchNorm1d",
        4 => "BatchNorm2d",
        5 => "BatchNorm3d",
        _ => "BatchNorm",
    };

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    // ---------------------------------------------------------------- the kernel type

    private void Emit(CodeWriter writer)
    {
        WriteSummary(writer);
        writer.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"{Parsing.KnownNames.GeneratorTool}\", \"{typeof(BatchNormEmitter).Assembly.GetName().Version}\")]");
        using (writer.Block($"public static unsafe class {_norm.KernelName}"))
        {
            WriteConstants(writer);
            WriteTrainingForward(writer);
            if (Track)
            {
                WriteEvalForward(writer);
            }

            WriteBackward(writer);
            WriteSynchronized(writer);
            WriteHelpers(writer);
            WriteKernels(writer);
            WriteRoutines(writer);
        }
    }

    private void WriteSummary(CodeWriter writer)
    {
        string affine = Affine ? "with weight (γ) and bias (β) per channel" : "without affine parameters";
        string running = !Track
            ? "no running statistics (batch statistics in training and evaluation alike)"
            : _norm.CumulativeAverage
                ? "running statistics as a cumulative average"
                : $"running statistics with momentum {Number(_norm.Momentum)}";
        string arrangement = ByPosition
            ? $"channels-last: every position is a contiguous run of {Number(Channels)} channels"
            : $"channels-first: every (sample, channel) is a contiguous run of {Number(Spatial)} elements";

        writer.Line("/// <summary>");
        writer.Line($"/// {Dimensionality} <c>{Escape(_norm.Name)}</c> over channel axis {_norm.Axes[0]} of layout {string.Join(",", _norm.Layout)}:");
        writer.Line($"/// {Number(Channels)} channels × {Number(Spatial)} spatial elements of {Escape(T.Replace("global::System.", ""))}, eps = {Number(_norm.Epsilon)}, {affine}, {running}.");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>");
        writer.Line("/// <para>");
        writer.Line($"/// PyTorch's <c>{Dimensionality}</c>: every channel is normalized with the mean and the biased variance taken over the batch and the");
        writer.Line("/// spatial axes, <c>y = " + Escape(AffineText("(x - mean) / sqrt(var + eps)")) + "</c>" + (HasActivation ? $", followed by {ActivationName}." : "."));
        if (Track)
        {
            writer.Line(_norm.CumulativeAverage
                ? "/// Training updates <c>running = (1 - m)·running + m·batch</c> with <c>m = 1/numBatchesTracked</c> (PyTorch's <c>momentum=None</c>),"
                : "/// Training updates <c>running = (1 - momentum)·running + momentum·batch</c>,");
            writer.Line("/// using the unbiased batch variance for <c>runningVar</c>; evaluation normalizes with the running statistics.");
        }

        writer.Line("/// </para>");
        writer.Line($"/// <para>Inputs hold any number of samples of <see cref=\"SampleLength\"/> elements; {arrangement}.</para>");
        if (IsHalf)
        {
            writer.Line("/// <para>Half storage with float arithmetic: saved and synchronized statistics are float; parameters and running statistics are");
            writer.Line("/// Half, as in a module converted with <c>.half()</c>.</para>");
        }

        writer.Line("/// </remarks>");
    }

    /// <summary>The streaming flag a kernel of an elementwise pass takes: whether its output is large enough.</summary>
    /// <summary>Forward streams its output when input and output together outgrow the last-level cache well (<c>OutputStreaming.Pays</c>).</summary>
    private string StreamingArgument(string output) => CanStream ? $", {Runtime}.OutputStreaming.Pays(2L * {output}.Length * sizeof({T}))" : "";

    private string AffineText(string normalized) => Affine ? normalized + " * weight + bias" : normalized;

    private void WriteConstants(CodeWriter writer)
    {
        writer.Line("/// <summary>The number of channels.</summary>");
        writer.Line($"public const int Channels = {Number(Channels)};");
        writer.Line();
        writer.Line("/// <summary>Elements per channel in one sample: the product of the spatial extents.</summary>");
        writer.Line($"public const int Spatial = {Number(Spatial)};");
        writer.Line();
        writer.Line("/// <summary>Elements in one sample.</summary>");
        writer.Line($"public const int SampleLength = {Number(Channels * Spatial)};");
        writer.Line();
        writer.Line("/// <summary>The epsilon added to the variance under the square root.</summary>");
        writer.Line($"public const {A} Epsilon = {_a.Literal(_norm.Epsilon)};");
        if (Track && !_norm.CumulativeAverage)
        {
            writer.Line();
            writer.Line("/// <summary>The weight of a new batch in the running statistics.</summary>");
            writer.Line($"public const double Momentum = {Number(_norm.Momentum)};");
        }

        writer.Line();
        writer.Line("/// <summary>The number of samples in an input of <paramref name=\"length\"/> elements.</summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"length\"/> is not a multiple of <see cref=\"SampleLength\"/>.</exception>");
        writer.Line($"public static int BatchSize(int length) => {Arguments}.RowCount(length, SampleLength, nameof(length));");
        writer.Line();
        if (CanStream)
        {
            writer.Line();
            writer.Line("/// <summary>");
            writer.Line("/// Input gradients at least this large (bytes) are written with non-temporal stores: with the output gradient and the input");
            writer.Line("/// they would push each other out of cache anyway, and skipping the read-for-ownership of every output line measures faster.");
            writer.Line("/// </summary>");
            writer.Line("private const long StreamingBytes = 4L << 20;");
        }

        writer.Line();
        writer.Line("/// <summary>Epsilon exactly as declared, for the statistics computed in double.</summary>");
        writer.Line($"private const double EpsilonValue = {Number(_norm.Epsilon)};");
        writer.Line();
        if (ByPosition)
        {
            writer.Line("/// <summary>Positions per chunk: a chunk of contiguous positions stays in L1 between a routine's passes.</summary>");
            writer.Line($"private const int ChunkRows = {Number(ChunkRows)};");
        }
        else
        {
            writer.Line("/// <summary>The longest segment of one (sample, channel) run that a routine handles at once; it stays in L1 between passes.</summary>");
            writer.Line($"private const int SegmentLength = {Number(SegmentLength)};");
        }
    }

    // ---------------------------------------------------------------- parameters

    private string In(string name) => $"{ReadOnlySpan}<{T}> {name}";

    private string Out(string name) => $"{Span}<{T}> {name}";

    private string InStat(string name) => $"{ReadOnlySpan}<{A}> {name}";

    private string OutStat(string name) => $"{Span}<{A}> {name}";

    private IEnumerable<string> AffineParameters() => Affine ? new[] { In("weight"), In("bias") } : new string[0];

    /// <summary>The parameters a backward pass reads: γ for dx, and β too when the activation's input is recomputed.</summary>
    private IEnumerable<string> BackwardParameters()
    {
        if (Affine)
        {
            yield return In("weight");
            if (HasActivation)
            {
                yield return In("bias");
            }
        }
    }

    private IEnumerable<string> ParameterGradients() => Affine ? new[] { Out("gradWeight"), Out("gradBias") } : new string[0];

    private static string Names(IEnumerable<string> parameters) => string.Concat(parameters.Select(p => p.Split(' ').Last() + ", "));

    private void WriteChecks(CodeWriter writer, string input, bool affine = true, bool biasToo = true)
    {
        writer.Line($"int batch = {Arguments}.RowCount({input}.Length, SampleLength, nameof({input}));");
        if (Affine && affine)
        {
            writer.Line($"{Arguments}.RequireLength(weight.Length, Channels, nameof(weight));");
            if (biasToo)
            {
                writer.Line($"{Arguments}.RequireLength(bias.Length, Channels, nameof(bias));");
            }
        }
    }

    private static void Require(CodeWriter writer, string name, string expected) =>
        writer.Line($"{Arguments}.RequireLength({name}.Length, {expected}, nameof({name}));");

    private static void RequireOrEmpty(CodeWriter writer, string name, string expected) =>
        writer.Line($"{Arguments}.RequireLengthOrEmpty({name}.Length, {expected}, nameof({name}));");

    private IEnumerable<string> AffinePins() => Affine ? new[] { "w = weight", "b = bias" } : new string[0];

    // ---------------------------------------------------------------- training forward

    private void WriteTrainingForward(CodeWriter writer)
    {
        string name = Track ? "ForwardTraining" : "Forward";
        var head = new List<string> { In("input") };
        head.AddRange(AffineParameters());
        var running = Track ? new List<string> { Out("runningMean"), Out("runningVar"), "ref long numBatchesTracked" } : new List<string>();
        var all = new List<string>(head);
        all.AddRange(running);
        all.Add(Out("output"));

        string runningArguments = Track ? "runningMean, runningVar, ref numBatchesTracked, " : "";
        writer.Line();
        writer.Line(Track
            ? "/// <summary>Training forward: normalizes <paramref name=\"input\"/> with its batch statistics into <paramref name=\"output\"/> and updates the running statistics.</summary>"
            : "/// <summary>Normalizes <paramref name=\"input\"/> with its batch statistics into <paramref name=\"output\"/>, which may be the same memory.</summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, <paramref name=\"output\"/> partly overlaps <paramref name=\"input\"/>, or a channel has a single value.</exception>");
        writer.Line($"public static void {name}({string.Join(", ", all)})");
        writer.Line($"    => {name}(input, {Names(AffineParameters())}{runningArguments}output, default, default);");
        writer.Line();

        all.Add(OutStat("saveMean"));
        all.Add(OutStat("saveRstd"));
        writer.Line("/// <summary>");
        writer.Line(Track
            ? "/// Training forward: normalizes <paramref name=\"input\"/> with its batch statistics into <paramref name=\"output\"/>, which may be the same memory,"
            : "/// Normalizes <paramref name=\"input\"/> with its batch statistics into <paramref name=\"output\"/>, which may be the same memory,");
        writer.Line(Track
            ? "/// updates the running statistics, and saves each channel's batch mean and reciprocal standard deviation (biased) for <c>Backward</c>."
            : "/// and saves each channel's batch mean and reciprocal standard deviation (biased) for <c>Backward</c>.");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>");
        writer.Line("/// As PyTorch, a channel needs more than one value (samples × <see cref=\"Spatial\"/>) to be normalized in training.");
        if (Track)
        {
            writer.Line("/// <paramref name=\"numBatchesTracked\"/> is incremented on every call (an empty batch changes nothing else). Pass empty spans to skip saving the statistics.");
        }
        else
        {
            writer.Line("/// Pass empty spans to skip saving the statistics.");
        }

        writer.Line("/// </remarks>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, <paramref name=\"output\"/> partly overlaps <paramref name=\"input\"/>, or a channel has a single value.</exception>");
        using (writer.Block($"public static void {name}({string.Join(", ", all)})"))
        {
            WriteChecks(writer, "input");
            if (Track)
            {
                Require(writer, "runningMean", "Channels");
                Require(writer, "runningVar", "Channels");
            }

            Require(writer, "output", "input.Length");
            RequireOrEmpty(writer, "saveMean", "Channels");
            RequireOrEmpty(writer, "saveRstd", "Channels");
            writer.Line($"{Arguments}.RequireNoPartialOverlap(input, output, nameof(output));");
            writer.Line("RequireMoreThanOneValue(batch, nameof(input));");
            if (Track)
            {
                writer.Line("numBatchesTracked++;");
            }

            using (writer.Block("if (batch == 0)"))
            {
                writer.Line("return;");
            }

            writer.Line();
            if (Track)
            {
                writer.Line(_norm.CumulativeAverage
                    ? "double momentum = 1.0 / numBatchesTracked;"
                    : "double momentum = Momentum;");
            }

            WriteTrainingLaunch(writer, synchronized: false);
        }
    }

    /// <summary>The body shared by the training forward and the synchronized forward, after the argument checks.</summary>
    private void WriteTrainingLaunch(CodeWriter writer, bool synchronized)
    {
        var pins = new List<string> { "x = input" };
        pins.AddRange(AffinePins());
        if (Track)
        {
            pins.Add("runMean = runningMean");
            pins.Add("runVar = runningVar");
        }

        pins.Add("y = output");
        var statPins = new List<string> { "meanOut = saveMean", "rstdOut = saveRstd" };
        if (synchronized)
        {
            statPins.Add("meanIn = mean");
            statPins.Add("m2In = m2");
        }

        string fixedHead = $"fixed ({T}* {string.Join(", ", pins)})\nfixed ({A}* {string.Join(", ", statPins)})";
        writer.Line($"{A}[] work = global::System.Buffers.ArrayPool<{A}>.Shared.Rent(6 * Channels);");
        using (writer.Block("try"))
        {
            using (writer.Block($"{fixedHead}\nfixed ({A}* coefficients = work)"))
            {
                writer.Line($"{A}* center = coefficients, scale = coefficients + 2 * Channels, shift = coefficients + 4 * Channels;");
                if (synchronized)
                {
                    writer.Line("new " + ReadOnlySpan + $"<{A}>(meanIn, Channels).CopyTo(new {Span}<{A}>(center, Channels));");
                    writer.Line("new " + ReadOnlySpan + $"<{A}>(m2In, Channels).CopyTo(new {Span}<{A}>(scale, Channels));");
                }
                else
                {
                    writer.Line("long count = BatchMoments(x, batch, center, scale);");
                }

                using (writer.Block("for (int c = 0; c < Channels; c++)"))
                {
                    writer.Line($"TrainingCoefficients(c, count, center[c], scale[c], {TrainingCoefficientPointers()}meanOut, rstdOut, out scale[c], out shift[c]);");
                }

                WriteRepeat(writer, "center", "scale", "shift");
                writer.Line();
                writer.Line($"{Runtime}.RowScheduler.Run(new AffineRows(x, y, center, scale, shift{StreamingArgument("output")}), {ElementwiseRows});");
            }
        }

        using (writer.Block("finally"))
        {
            writer.Line($"global::System.Buffers.ArrayPool<{A}>.Shared.Return(work);");
        }
    }

    /// <summary>Stores each named coefficient row a second time after itself, for channels-last streaming.</summary>
    private void WriteRepeat(CodeWriter writer, params string[] rows)
    {
        if (!RepeatsCoefficients)
        {
            return;
        }

        foreach (string row in rows)
        {
            writer.Line($"new {ReadOnlySpan}<{A}>({row}, Channels).CopyTo(new {Span}<{A}>({row} + Channels, Channels));");
        }
    }

    private string TrainingCoefficientPointers() =>
        (Affine ? "w, b, " : "") + (Track ? "runMean, runVar, momentum, " : "");

    // ---------------------------------------------------------------- evaluation forward

    private void WriteEvalForward(CodeWriter writer)
    {
        var parameters = new List<string> { In("input") };
        parameters.AddRange(AffineParameters());
        parameters.Add(In("runningMean"));
        parameters.Add(In("runningVar"));
        parameters.Add(Out("output"));

        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// Evaluation forward: normalizes <paramref name=\"input\"/> with the running statistics into <paramref name=\"output\"/>, which may be");
        writer.Line("/// the same memory. The statistics and the affine parameters fold into one scale and shift per channel, applied in one streaming pass.");
        writer.Line("/// </summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, or <paramref name=\"output\"/> partly overlaps <paramref name=\"input\"/>.</exception>");
        using (writer.Block($"public static void ForwardEval({string.Join(", ", parameters)})"))
        {
            WriteChecks(writer, "input");
            Require(writer, "runningMean", "Channels");
            Require(writer, "runningVar", "Channels");
            Require(writer, "output", "input.Length");
            writer.Line($"{Arguments}.RequireNoPartialOverlap(input, output, nameof(output));");
            writer.Line();
            writer.Line($"{A}[] work = global::System.Buffers.ArrayPool<{A}>.Shared.Rent(6 * Channels);");
            using (writer.Block("try"))
            {
                var pins = new List<string> { "x = input" };
                pins.AddRange(AffinePins());
                pins.Add("runMean = runningMean");
                pins.Add("runVar = runningVar");
                pins.Add("y = output");
                using (writer.Block($"fixed ({T}* {string.Join(", ", pins)})\nfixed ({A}* coefficients = work)"))
                {
                    writer.Line($"{A}* center = coefficients, scale = coefficients + 2 * Channels, shift = coefficients + 4 * Channels;");
                    using (writer.Block("for (int c = 0; c < Channels; c++)"))
                    {
                        writer.Line("center[c] = 0;");
                        writer.Line($"EvalCoefficients(c, {(Affine ? "w, b, " : "")}runMean, runVar, out _, out scale[c], out shift[c]);");
                    }

                    WriteRepeat(writer, "center", "scale", "shift");
                    writer.Line();
                    writer.Line($"{Runtime}.RowScheduler.Run(new AffineRows(x, y, center, scale, shift{StreamingArgument("output")}), {ElementwiseRows});");
                }
            }

            using (writer.Block("finally"))
            {
                writer.Line($"global::System.Buffers.ArrayPool<{A}>.Shared.Return(work);");
            }
        }
    }

    // ---------------------------------------------------------------- backward

    private void WriteBackward(CodeWriter writer)
    {
        // Training-mode backward, through the batch statistics.
        var parameters = new List<string> { In("gradOutput"), In("input") };
        parameters.AddRange(BackwardParameters());
        parameters.Add(InStat("saveMean"));
        parameters.Add(InStat("saveRstd"));
        parameters.Add(Out("gradInput"));
        parameters.AddRange(ParameterGradients());

        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// Training-mode backward: back-propagates <paramref name=\"gradOutput\"/> through the normalization with the batch statistics");
        writer.Line(Affine
            ? "/// saved by the training forward, writing the input gradient and (over)writing the weight and bias gradients."
            : "/// saved by the training forward, writing the input gradient.");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>");
        writer.Line("/// With <c>M</c> = samples × <see cref=\"Spatial\"/> and <c>x̂ = (x - mean)·rstd</c> per channel: <c>dβ = Σ dy</c>, <c>dγ = Σ dy·x̂</c>,");
        writer.Line($"/// <c>dx = {(Affine ? "γ·" : "")}rstd/M·(M·dy - dβ - x̂·dγ)</c>{(HasActivation ? $", where dy is first taken through {ActivationName}'s derivative at the recomputed pre-activation" : "")}.");
        writer.Line("/// Sums run in an order fixed by the shape: results are bitwise reproducible at any thread count.");
        if (Affine)
        {
            writer.Line("/// Pass an empty span for a parameter gradient that is not needed.");
        }

        writer.Line("/// </remarks>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, or <paramref name=\"gradInput\"/> partly overlaps an input.</exception>");
        using (writer.Block($"public static void Backward({string.Join(", ", parameters)})"))
        {
            WriteBackwardChecks(writer, "saveMean", "saveRstd", parameterGradients: true);
            WriteEmptyBatchGradients(writer);
            WriteBackwardLaunch(writer, eval: false, mode: BackwardMode.Full);
        }

        if (!Track)
        {
            return;
        }

        // Evaluation-mode backward, through the running statistics (frozen statistics during fine-tuning).
        parameters = new List<string> { In("gradOutput"), In("input") };
        parameters.AddRange(BackwardParameters());
        parameters.Add(In("runningMean"));
        parameters.Add(In("runningVar"));
        parameters.Add(Out("gradInput"));
        parameters.AddRange(ParameterGradients());

        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// Evaluation-mode backward, for training with frozen statistics: the running statistics are constants, so");
        writer.Line($"/// <c>dx = dy{(Affine ? "·γ" : "")}·rsqrt(runningVar + eps)</c>" + (Affine ? ", <c>dγ = Σ dy·x̂</c> with <c>x̂ = (x - runningMean)·rsqrt(runningVar + eps)</c> and <c>dβ = Σ dy</c>." : "."));
        writer.Line("/// </summary>");
        if (HasActivation)
        {
            writer.Line($"/// <remarks>dy is first taken through {ActivationName}'s derivative at the pre-activation <c>ForwardEval</c> computed.</remarks>");
        }

        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, or <paramref name=\"gradInput\"/> partly overlaps an input.</exception>");
        using (writer.Block($"public static void BackwardEval({string.Join(", ", parameters)})"))
        {
            WriteBackwardChecks(writer, "runningMean", "runningVar", parameterGradients: true);
            WriteEmptyBatchGradients(writer);
            WriteBackwardLaunch(writer, eval: true, mode: BackwardMode.Full);
        }
    }

    private enum BackwardMode
    {
        /// <summary>Input and parameter gradients.</summary>
        Full,

        /// <summary>Only the per-channel sums of a shard (synchronized backward, first step).</summary>
        Reduce,

        /// <summary>Only the input gradient, from sums given by the caller (synchronized backward, second step).</summary>
        Input,
    }

    private void WriteBackwardChecks(CodeWriter writer, string meanName, string rstdName, bool parameterGradients)
    {
        writer.Line($"int batch = {Arguments}.RowCount(input.Length, SampleLength, nameof(input));");
        Require(writer, "gradOutput", "input.Length");
        if (Affine)
        {
            Require(writer, "weight", "Channels");
            if (HasActivation)
            {
                Require(writer, "bias", "Channels");
            }
        }

        Require(writer, meanName, "Channels");
        Require(writer, rstdName, "Channels");
        Require(writer, "gradInput", "input.Length");
        if (Affine && parameterGradients)
        {
            RequireOrEmpty(writer, "gradWeight", "Channels");
            RequireOrEmpty(writer, "gradBias", "Channels");
        }

        writer.Line($"{Arguments}.RequireNoPartialOverlap(gradOutput, gradInput, nameof(gradInput));");
        writer.Line($"{Arguments}.RequireNoPartialOverlap(input, gradInput, nameof(gradInput));");
    }

    private void WriteEmptyBatchGradients(CodeWriter writer)
    {
        using (writer.Block("if (batch == 0)"))
        {
            if (Affine)
            {
                writer.Line("gradWeight.Clear();");
                writer.Line("gradBias.Clear();");
            }

            writer.Line("return;");
        }

        writer.Line();
    }

    /// <summary>
    /// Fills the per-channel backward coefficients (mean, rstd, scale; with an activation also the
    /// pre-activation's center and shift) and runs the backward kernels.
    /// </summary>
    private void WriteBackwardLaunch(CodeWriter writer, bool eval, BackwardMode mode)
    {
        string meanName = eval ? "runningMean" : "saveMean";
        string rstdName = eval ? "runningVar" : "saveRstd";
        writer.Line($"{A}[] work = global::System.Buffers.ArrayPool<{A}>.Shared.Rent(BackwardCoefficients * Channels);");
        using (writer.Block("try"))
        {
            // The sums alone need γ only to recompute an activation's input.
            bool weighted = Affine && (mode != BackwardMode.Reduce || HasActivation);
            var pins = new List<string> { "dy = gradOutput", "x = input" };
            if (weighted)
            {
                pins.Add("w = weight");
                if (HasActivation)
                {
                    pins.Add("b = bias");
                }
            }

            if (mode != BackwardMode.Reduce)
            {
                pins.Add("dx = gradInput");
            }

            if (Affine && mode == BackwardMode.Full)
            {
                pins.Add("gw = gradWeight");
                pins.Add("gb = gradBias");
            }

            if (eval)
            {
                pins.Add("statMean = runningMean");
                pins.Add("statVar = runningVar");
            }

            var statPins = new List<string> { "coefficients = work" };
            if (!eval)
            {
                statPins.Add("statMean = saveMean");
                statPins.Add("statRstd = saveRstd");
            }

            if (mode == BackwardMode.Reduce)
            {
                statPins.Add("sumOut = sumGradOutput");
                statPins.Add("sumXhatOut = sumGradOutputXhat");
            }
            else if (mode == BackwardMode.Input)
            {
                statPins.Add("sumIn = sumGradOutput");
                statPins.Add("sumXhatIn = sumGradOutputXhat");
            }

            using (writer.Block($"fixed ({T}* {string.Join(", ", pins)})\nfixed ({A}* {string.Join(", ", statPins)})"))
            {
                writer.Line($"{A}* mean = coefficients, rstd = coefficients + Channels, scale = coefficients + 2 * Channels;");
                using (writer.Block("for (int c = 0; c < Channels; c++)"))
                {
                    if (eval)
                    {
                        writer.Line($"mean[c] = ({A})statMean[c];");
                        writer.Line($"EvalCoefficients(c, {(Affine ? "w, null, " : "")}statMean, statVar, out rstd[c], out scale[c], out _);");
                        if (HasActivation)
                        {
                            writer.Line("coefficients[3 * Channels + c] = 0;");
                            writer.Line($"EvalCoefficients(c, {(Affine ? "w, b, " : "")}statMean, statVar, out _, out _, out coefficients[4 * Channels + c]);");
                        }
                    }
                    else
                    {
                        writer.Line("mean[c] = statMean[c];");
                        writer.Line("rstd[c] = statRstd[c];");
                        writer.Line(weighted ? $"scale[c] = ({A})w[c] * statRstd[c];" : "scale[c] = statRstd[c];");
                        if (HasActivation)
                        {
                            writer.Line("coefficients[3 * Channels + c] = statMean[c];");
                            writer.Line(Affine ? $"coefficients[4 * Channels + c] = ({A})b[c];" : "coefficients[4 * Channels + c] = 0;");
                        }
                    }
                }

                string count = mode == BackwardMode.Input ? "count" : "(long)batch * Spatial";
                var arguments = new List<string>
                {
                    "dy", "x", "coefficients", eval ? "true" : "false", "batch", count,
                    mode == BackwardMode.Input ? "sumIn" : "null",
                    mode == BackwardMode.Input ? "sumXhatIn" : "null",
                    mode == BackwardMode.Reduce ? "null" : "dx",
                    Affine && mode == BackwardMode.Full ? "gw" : "null",
                    Affine && mode == BackwardMode.Full ? "gb" : "null",
                    mode == BackwardMode.Reduce ? "sumOut" : "null",
                    mode == BackwardMode.Reduce ? "sumXhatOut" : "null",
                };
                writer.Line($"RunBackward({string.Join(", ", arguments)});");
            }
        }

        using (writer.Block("finally"))
        {
            writer.Line($"global::System.Buffers.ArrayPool<{A}>.Shared.Return(work);");
        }
    }

    // ---------------------------------------------------------------- synchronized batch normalization

    private void WriteSynchronized(CodeWriter writer)
    {
        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// Synchronized batch normalization, step 1 of the forward: this shard's per-channel statistics as (count, mean, M2), where M2 is");
        writer.Line("/// the sum of squared deviations from the mean. Gather every shard's, merge them with");
        writer.Line("/// <see cref=\"global::NormGen.Kernels.BatchStatistics.Merge{T}(global::System.ReadOnlySpan{long}, global::System.ReadOnlySpan{T}, global::System.ReadOnlySpan{T}, global::System.Span{T}, global::System.Span{T})\"/>,");
        writer.Line("/// then call <c>ForwardSynchronized</c> with the merged statistics.");
        writer.Line("/// </summary>");
        writer.Line("/// <returns>The number of values per channel in this shard: samples × <see cref=\"Spatial\"/>.</returns>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape.</exception>");
        using (writer.Block($"public static long ComputeStatistics({In("input")}, {OutStat("mean")}, {OutStat("m2")})"))
        {
            writer.Line($"int batch = {Arguments}.RowCount(input.Length, SampleLength, nameof(input));");
            Require(writer, "mean", "Channels");
            Require(writer, "m2", "Channels");
            using (writer.Block("if (batch == 0)"))
            {
                writer.Line("mean.Clear();");
                writer.Line("m2.Clear();");
                writer.Line("return 0;");
            }

            writer.Line();
            using (writer.Block($"fixed ({T}* x = input)\nfixed ({A}* meanOut = mean, m2Out = m2)"))
            {
                writer.Line("return BatchMoments(x, batch, meanOut, m2Out);");
            }
        }

        // Step 2: normalize with the merged statistics.
        var parameters = new List<string> { In("input") };
        parameters.AddRange(AffineParameters());
        parameters.Add("long count");
        parameters.Add(InStat("mean"));
        parameters.Add(InStat("m2"));
        if (Track)
        {
            parameters.Add(Out("runningMean"));
            parameters.Add(Out("runningVar"));
            parameters.Add("ref long numBatchesTracked");
        }

        parameters.Add(Out("output"));
        parameters.Add(OutStat("saveMean"));
        parameters.Add(OutStat("saveRstd"));

        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// Synchronized batch normalization, step 2 of the forward: the training forward of this shard, normalized with statistics");
        writer.Line("/// merged over every shard (<paramref name=\"count\"/> values per channel in all)" + (Track ? "; the running statistics are updated with them, as every shard does." : "."));
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>Pass empty spans to skip saving the statistics for the backward pass.</remarks>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, <paramref name=\"output\"/> partly overlaps <paramref name=\"input\"/>, or <paramref name=\"count\"/> is below 2 or below this shard's own count.</exception>");
        using (writer.Block($"public static void ForwardSynchronized({string.Join(", ", parameters)})"))
        {
            WriteChecks(writer, "input");
            Require(writer, "mean", "Channels");
            Require(writer, "m2", "Channels");
            if (Track)
            {
                Require(writer, "runningMean", "Channels");
                Require(writer, "runningVar", "Channels");
            }

            Require(writer, "output", "input.Length");
            RequireOrEmpty(writer, "saveMean", "Channels");
            RequireOrEmpty(writer, "saveRstd", "Channels");
            writer.Line($"{Arguments}.RequireNoPartialOverlap(input, output, nameof(output));");
            writer.Line("RequireSynchronizedCount(count, batch, 2);");
            if (Track)
            {
                writer.Line("numBatchesTracked++;");
                writer.Line(_norm.CumulativeAverage
                    ? "double momentum = 1.0 / numBatchesTracked;"
                    : "double momentum = Momentum;");
            }

            writer.Line();
            WriteTrainingLaunch(writer, synchronized: true);
        }

        // Backward, step 1: per-shard sums.
        parameters = new List<string> { In("gradOutput"), In("input") };
        if (HasActivation)
        {
            parameters.AddRange(BackwardParameters());
        }

        parameters.Add(InStat("saveMean"));
        parameters.Add(InStat("saveRstd"));
        parameters.Add(OutStat("sumGradOutput"));
        parameters.Add(OutStat("sumGradOutputXhat"));

        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// Synchronized batch normalization, step 1 of the backward: this shard's per-channel <c>Σ dy</c> and <c>Σ dy·x̂</c>, with the");
        writer.Line("/// merged statistics that <c>ForwardSynchronized</c> saved. Sum them over the shards (they are also dβ and dγ), then call");
        writer.Line("/// <c>BackwardSynchronized</c>.");
        writer.Line("/// </summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape.</exception>");
        using (writer.Block($"public static void BackwardReduce({string.Join(", ", parameters)})"))
        {
            writer.Line($"int batch = {Arguments}.RowCount(input.Length, SampleLength, nameof(input));");
            Require(writer, "gradOutput", "input.Length");
            if (Affine && HasActivation)
            {
                Require(writer, "weight", "Channels");
                Require(writer, "bias", "Channels");
            }

            Require(writer, "saveMean", "Channels");
            Require(writer, "saveRstd", "Channels");
            Require(writer, "sumGradOutput", "Channels");
            Require(writer, "sumGradOutputXhat", "Channels");
            using (writer.Block("if (batch == 0)"))
            {
                writer.Line("sumGradOutput.Clear();");
                writer.Line("sumGradOutputXhat.Clear();");
                writer.Line("return;");
            }

            writer.Line();
            WriteBackwardLaunch(writer, eval: false, mode: BackwardMode.Reduce);
        }

        // Backward, step 2: the input gradient from the summed sums.
        parameters = new List<string> { In("gradOutput"), In("input") };
        parameters.AddRange(BackwardParameters());
        parameters.Add(InStat("saveMean"));
        parameters.Add(InStat("saveRstd"));
        parameters.Add("long count");
        parameters.Add(InStat("sumGradOutput"));
        parameters.Add(InStat("sumGradOutputXhat"));
        parameters.Add(Out("gradInput"));

        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// Synchronized batch normalization, step 2 of the backward: this shard's input gradient, from the sums of every shard's");
        writer.Line("/// <c>BackwardReduce</c> and the merged <paramref name=\"count\"/>.");
        writer.Line("/// </summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, <paramref name=\"gradInput\"/> partly overlaps an input, or <paramref name=\"count\"/> is below this shard's own count.</exception>");
        using (writer.Block($"public static void BackwardSynchronized({string.Join(", ", parameters)})"))
        {
            WriteBackwardChecks(writer, "saveMean", "saveRstd", parameterGradients: false);
            Require(writer, "sumGradOutput", "Channels");
            Require(writer, "sumGradOutputXhat", "Channels");
            writer.Line("RequireSynchronizedCount(count, batch, 1);");
            using (writer.Block("if (batch == 0)"))
            {
                writer.Line("return;");
            }

            writer.Line();
            WriteBackwardLaunch(writer, eval: false, mode: BackwardMode.Input);
        }
    }

    // ---------------------------------------------------------------- small shared helpers

    private void WriteHelpers(CodeWriter writer)
    {
        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// Backward coefficients per channel: mean, rstd, scale (γ·rstd), the pre-activation's center and shift, then the sums of dz and");
        writer.Line(RepeatsCoefficients
            ? "/// dz·x̂ and the input gradient's k and c1; then mean, scale, k and c1 each stored twice in a row, for streaming."
            : "/// dz·x̂ and the input gradient's k and c1.");
        writer.Line("/// </summary>");
        writer.Line($"private const int BackwardCoefficients = {(RepeatsCoefficients ? 17 : 9)};");
        writer.Line();
        writer.Line("/// <summary>PyTorch refuses to normalize a channel that holds a single value in training.</summary>");
        using (writer.Block("private static void RequireMoreThanOneValue(int batch, string paramName)"))
        {
            using (writer.Block("if ((long)batch * Spatial == 1)"))
            {
                writer.Line("throw new global::System.ArgumentException(");
                writer.Line("    \"Expected more than 1 value per channel when training, got an input of 1 sample with 1 value per channel.\", paramName);");
            }
        }

        writer.Line();
        writer.Line("/// <summary>Checks a merged count: at least <paramref name=\"minimum\"/>, and not below this shard's own.</summary>");
        using (writer.Block("private static void RequireSynchronizedCount(long count, int batch, long minimum)"))
        {
            using (writer.Block("if (count < minimum || count < (long)batch * Spatial)"))
            {
                writer.Line("throw new global::System.ArgumentException(");
                writer.Line("    $\"'count' ({count}) must be at least {minimum} and at least this shard's {(long)batch * Spatial} values per channel; expected more than 1 value per channel when training.\", nameof(count));");
            }
        }

        // Training coefficients.
        var parameters = new List<string> { "int c", "long count", $"{A} mean", $"{A} m2" };
        if (Affine)
        {
            parameters.Add($"{T}* w");
            parameters.Add($"{T}* b");
        }

        if (Track)
        {
            parameters.Add($"{T}* runningMean");
            parameters.Add($"{T}* runningVar");
            parameters.Add("double momentum");
        }

        parameters.Add($"{A}* saveMean");
        parameters.Add($"{A}* saveRstd");
        parameters.Add($"out {A} scale");
        parameters.Add($"out {A} shift");

        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// Turns one channel's merged (count, mean, M2) into its reciprocal standard deviation (biased variance, computed in double),");
        writer.Line("/// the coefficients of <c>y = (x - mean)·scale + shift</c>, the saved statistics" + (Track ? ", and the running statistics' update (unbiased variance)." : "."));
        writer.Line("/// </summary>");
        writer.Line(Inline);
        using (writer.Block($"private static void TrainingCoefficients({string.Join(", ", parameters)})"))
        {
            writer.Line($"{A} rstd = ({A})(1 / global::System.Math.Sqrt((double)m2 / count + EpsilonValue));");
            writer.Line(Affine ? $"scale = ({A})w[c] * rstd;" : "scale = rstd;");
            writer.Line(Affine ? $"shift = ({A})b[c];" : "shift = 0;");
            writer.Line("if (saveMean != null) saveMean[c] = mean;");
            writer.Line("if (saveRstd != null) saveRstd[c] = rstd;");
            if (Track)
            {
                writer.Line($"runningMean[c] = ({T})(momentum * mean + (1 - momentum) * (double)runningMean[c]);");
                writer.Line($"runningVar[c] = ({T})(momentum * ((double)m2 / (count - 1)) + (1 - momentum) * (double)runningVar[c]);");
            }
        }

        if (Track)
        {
            parameters = new List<string> { "int c" };
            if (Affine)
            {
                parameters.Add($"{T}* w");
                parameters.Add($"{T}* b");
            }

            parameters.Add($"{T}* runningMean");
            parameters.Add($"{T}* runningVar");
            parameters.Add($"out {A} rstd");
            parameters.Add($"out {A} scale");
            parameters.Add($"out {A} shift");
            writer.Line();
            writer.Line("/// <summary>Folds one channel's running statistics and parameters into <c>y = x·scale + shift</c> (computed in double).</summary>");
            writer.Line(Inline);
            using (writer.Block($"private static void EvalCoefficients({string.Join(", ", parameters)})"))
            {
                writer.Line("double r = 1 / global::System.Math.Sqrt((double)runningVar[c] + EpsilonValue);");
                writer.Line(Affine ? "double s = (double)w[c] * r;" : "double s = r;");
                writer.Line($"rstd = ({A})r;");
                writer.Line($"scale = ({A})s;");
                writer.Line(Affine
                    ? $"shift = ({A})((b == null ? 0 : (double)b[c]) - (double)runningMean[c] * s);"
                    : $"shift = ({A})(-(double)runningMean[c] * s);");
            }
        }
    }

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
