using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NormGen.Generators.Helpers;
using NormGen.Generators.Model;

namespace NormGen.Generators.Emitting;

/// <summary>
/// Writes the kernel of a GroupNorm or an InstanceNorm (a GroupNorm with one group per channel, plus
/// optional running statistics), channels-first (<c>N,C,spatial…</c>) or channels-last (<c>N,spatial…,C</c>).
/// </summary>
/// <remarks>
/// <para>
/// The work is cut into <em>units</em> and each unit into fixed <em>blocks</em>. Channels-first, a unit is one
/// (sample, group): a contiguous run of <c>ChannelsPerGroup × Spatial</c> elements. Channels-last, a unit is a
/// whole sample, and every block is vectorized across the channels with one accumulator per lane; lanes that
/// belong to the same group are merged afterwards. Channels-first, a block's statistics take one pass: every lane
/// keeps a running mean and sum of squared deviations, updated with Chan's formula from chunks of eight vectors
/// whose own statistics are computed in registers. Channels-last, they come from a corrected two-pass over the
/// block while it sits in L1. The blocks of a unit are merged with Chan's formula too. The variance is therefore
/// stable for data with a large common offset, a constant group has its exact value as mean (so its output is
/// exactly the bias), and a NaN stays in its group.
/// </para>
/// <para>
/// The affine step is <c>y = (x - mean)·(rstd·γ[c]) + β[c]</c>, one scale per channel folded from rstd and γ; keeping
/// the subtraction costs one operation per element and keeps the output accurate for large offsets. Multiply-adds
/// are fused where the machine has FMA, decided alike for every width and the scalar tails.
/// </para>
/// <para>
/// Many units: every core takes whole units and reads each unit once from memory for its statistics and once
/// more from cache to normalize it. Few large units: the blocks themselves are spread over the cores, and the
/// per-block results are merged in block order. Both ways add the same numbers in the same order, so the
/// results are bitwise identical whatever the thread count; the per-channel weight and bias gradients are
/// written per sample and summed over the samples in order.
/// </para>
/// </remarks>
internal sealed class GroupNormEmitter
{
    private const string Runtime = "global::NormGen.Kernels";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan";
    private const string Span = "global::System.Span";
    private const string HalfType = "global::System.Half";

    /// <summary>
    /// Loops that run once per call over a large block would otherwise start in unoptimized code and wait for
    /// on-stack replacement; they are compiled fully optimized from the first call instead.
    /// </summary>
    private const string Optimized = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    /// <summary>Bytes of input a block covers, so that the second pass over it hits L1.</summary>
    private const int BlockBytes = 32 * 1024;

    /// <summary>The longest lane period a channels-last kernel uses before it falls back to one period per position.</summary>
    private const int MaxPeriod = 4096;

    private readonly NormSpec _norm;
    private readonly ElementTypeInfo _t;
    private readonly bool _half;
    private readonly bool _channelsLast;
    private readonly bool _affine;
    private readonly bool _running;
    private readonly bool _instance;
    private readonly int _channels;
    private readonly int _groups;
    private readonly int _perGroup;
    private readonly int _spatial;
    private readonly int _groupLength;
    private readonly int _sampleLength;
    private readonly int _unitLength;
    private readonly int _period;
    private readonly int _blockLength;
    private readonly int _blocks;

    private GroupNormEmitter(NormSpec norm)
    {
        _norm = norm;
        _t = ElementTypeInfo.Of(norm.Element);
        _half = norm.Element == ElementKind.Half;
        _channelsLast = norm.Geometry.Kind == GeometryKind.ChannelsLast;
        _affine = norm.HasWeight;
        _running = norm.TrackRunningStats;
        _instance = norm.Kind == NormKind.InstanceNorm;
        _channels = norm.Geometry.Channels;
        _groups = _instance ? _channels : norm.Geometry.Groups;
        _perGroup = _channels / _groups;
        _spatial = norm.Geometry.Spatial;
        _groupLength = _perGroup * _spatial;
        _sampleLength = _channels * _spatial;
        _unitLength = _channelsLast ? _sampleLength : _groupLength;

        int target = BlockBytes / _t.Size;
        if (_channelsLast)
        {
            int widest = 64 / _t.Size;
            long lcm = (long)_channels / Gcd(_channels, widest) * widest;
            _period = lcm <= MaxPeriod ? (int)lcm : _channels;
            int periods = _sampleLength / _period;
            int perBlock = Math.Max(8, (target + _period - 1) / _period);
            if (periods <= perBlock + perBlock / 2)
            {
                _blocks = 1;
                _blockLength = _sampleLength;
            }
            else
            {
                int blocks = (periods + perBlock - 1) / perBlock;
                perBlock = (periods + blocks - 1) / blocks;
                _blocks = (periods + perBlock - 1) / perBlock;
                _blockLength = perBlock * _period;
            }
        }
        else
        {
            _period = 1;
            if (_groupLength <= target + target / 2)
            {
                _blocks = 1;
                _blockLength = _groupLength;
            }
            else
            {
                int blocks = (_groupLength + target - 1) / target;
                int length = ((_groupLength + blocks - 1) / blocks + 63) / 64 * 64;
                _blocks = (_groupLength + length - 1) / length;
                _blockLength = length;
            }
        }
    }

    private string T => _t.Keyword;

    /// <summary>The storage type of tensors and parameters: the compute type, or <c>System.Half</c>.</summary>
    private string S => _half ? HalfType : _t.Keyword;

    private string Pool => $"global::System.Buffers.ArrayPool<{T}>.Shared";

    private int UnitsPerSample => _channelsLast ? 1 : _groups;

    private int UnitGroups => _channelsLast ? _groups : 1;

    private int UnitChannels => _channelsLast ? _channels : _perGroup;

    private int WorkLength => _channelsLast ? 6 * _period + 2 * _groups : 1;

    private int CoefficientLength => _channelsLast ? 8 * _period : _perGroup + 2;

    /// <summary>
    /// Whether a large forward output is written with non-temporal stores. Measured slower: an output that the next
    /// layer reads soon is better left in cache, and the input and output together still fit in a large L3.
    /// </summary>
    private static bool StreamsForward => false;

    /// <summary>Whether a large input gradient is written with non-temporal stores (not for Half, whose float copy is read again).</summary>
    private bool StreamsBackward => !_half;

    private int BlockCount => _channelsLast ? _blockLength / _channels * _perGroup : _blockLength;

    private int LastBlockCount => (_unitLength - (_blocks - 1) * _blockLength) / (_channelsLast ? _channels : 1) * (_channelsLast ? _perGroup : 1);

    public static void Emit(CodeWriter writer, NormSpec norm) => new GroupNormEmitter(norm).Emit(writer);

    private void Emit(CodeWriter writer)
    {
        WriteSummary(writer);
        writer.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"{Parsing.KnownNames.GeneratorTool}\", \"{typeof(GroupNormEmitter).Assembly.GetName().Version}\")]");
        using (writer.Block($"public static unsafe class {_norm.KernelName}"))
        {
            WriteConstants(writer);
            writer.Line();
            WriteForward(writer);
            if (_running)
            {
                writer.Line();
                WriteForwardTraining(writer);
                writer.Line();
                WriteForwardEval(writer);
            }

            writer.Line();
            WriteBackward(writer);
            writer.Line();
            WriteCores(writer);
            writer.Line();
            WriteKernels(writer);
            writer.Line();
            if (_channelsLast)
            {
                WriteChannelsLastHelpers(writer);
            }
            else
            {
                WriteChannelsFirstHelpers(writer);
            }

            WritePrimitives(writer);
        }
    }

    // ---------------------------------------------------------------- public surface

    private void WriteSummary(CodeWriter writer)
    {
        string kind = _instance ? "InstanceNorm" : "GroupNorm";
        string layout = string.Join(",", _norm.Layout);
        string geometry = _channelsLast ? "channels-last" : "channels-first";
        string affine = _affine ? "with a weight (γ) and bias (β) per channel" : "without affine parameters";
        string storage = _half ? "System.Half tensors computed in float" : $"{T} tensors";
        string eps = _norm.Epsilon.ToString("R", CultureInfo.InvariantCulture);

        writer.Line("/// <summary>");
        writer.Line($"/// {kind} <c>{Escape(_norm.Name)}</c> on layout {layout} ({geometry}): {_channels} channels in {_groups} groups of {_perGroup},");
        writer.Line($"/// {_spatial} spatial elements per channel, eps = {eps}, {affine}; {storage}.");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>");
        writer.Line("/// <para>");
        writer.Line(_instance
            ? "/// Each (sample, channel) is normalized over its spatial elements with the biased variance, as PyTorch's <c>InstanceNorm</c>:"
            : "/// Each (sample, group) is normalized over its channels' spatial elements with the biased variance, as PyTorch's <c>GroupNorm</c>:");
        writer.Line(_affine
            ? "/// <c>y = (x - mean) / sqrt(var + eps) * weight[c] + bias[c]</c>."
            : "/// <c>y = (x - mean) / sqrt(var + eps)</c>.");
        if (_norm.Activation != ActivationKind.None)
        {
            writer.Line($"/// The output then goes through {ActivationName}, and <c>Backward</c> recomputes its input from the saved statistics.");
        }

        writer.Line(_channelsLast
            ? "/// Inputs hold whole samples of <see cref=\"SampleLength\"/> elements, channels innermost: element (n, s, c) is at <c>(n * Spatial + s) * Channels + c</c>."
            : "/// Inputs hold whole samples of <see cref=\"SampleLength\"/> elements, channels outermost: element (n, c, s) is at <c>(n * Channels + c) * Spatial + s</c>.");
        writer.Line("/// Statistics are per (sample, group), row-major: index <c>n * Groups + g</c>.");
        writer.Line("/// </para>");
        if (_running)
        {
            writer.Line("/// <para>");
            writer.Line("/// Running statistics follow PyTorch: <c>ForwardTraining</c> normalizes with the batch's statistics and moves each channel's");
            writer.Line("/// running mean and variance towards the batch mean of that channel's per-sample mean and unbiased variance, by");
            writer.Line("/// <see cref=\"Momentum\"/>; <c>ForwardEval</c> normalizes with the running statistics.");
            writer.Line("/// </para>");
        }

        if (_half)
        {
            writer.Line("/// <para>");
            writer.Line("/// Tensors, parameters, their gradients and the running statistics are <see cref=\"global::System.Half\"/>, as in a module");
            writer.Line("/// converted with <c>.half()</c>; arithmetic, and the saved mean and rstd, are float.");
            writer.Line("/// </para>");
        }

        writer.Line("/// </remarks>");
    }

    private string ActivationName => _norm.Activation switch
    {
        ActivationKind.Relu => "ReLU",
        ActivationKind.Gelu => "GELU",
        ActivationKind.GeluTanh => "GELU (tanh approximation)",
        _ => "SiLU",
    };

    private string ActivationMethod => _norm.Activation.ToString();

    /// <summary>Forward streams its output when input and output together outgrow the last-level cache well (<c>OutputStreaming.Pays</c>).</summary>
    private string StreamForward => StreamsForward ? $"{Runtime}.OutputStreaming.Pays(2L * batch * SampleLength * sizeof({T}))" : "false";

    private string StreamBackward => StreamsBackward ? $"(long)batch * SampleLength * sizeof({T}) >= StreamingBytes" : "false";

    /// <summary>With an activation, the backward pass recomputes the affine output, which needs the bias.</summary>
    private bool NeedsBiasInBackward => _affine && _norm.Activation != ActivationKind.None;

    private void WriteConstants(CodeWriter writer)
    {
        writer.Line("/// <summary>Channels per sample.</summary>");
        writer.Line($"public const int Channels = {Int(_channels)};");
        writer.Line();
        writer.Line(_instance
            ? "/// <summary>Groups of channels with their own statistics: one per channel.</summary>"
            : "/// <summary>Groups the channels are split into; each (sample, group) has its own mean and variance.</summary>");
        writer.Line($"public const int Groups = {Int(_groups)};");
        writer.Line();
        writer.Line("/// <summary>Channels in one group.</summary>");
        writer.Line($"public const int ChannelsPerGroup = {Int(_perGroup)};");
        writer.Line();
        writer.Line("/// <summary>Elements of one channel in one sample: the product of the spatial extents.</summary>");
        writer.Line($"public const int Spatial = {Int(_spatial)};");
        writer.Line();
        writer.Line("/// <summary>Elements of one sample: <c>Channels × Spatial</c>.</summary>");
        writer.Line($"public const int SampleLength = {Int(_sampleLength)};");
        writer.Line();
        writer.Line("/// <summary>Elements that share one mean and variance: <c>ChannelsPerGroup × Spatial</c>.</summary>");
        writer.Line($"public const int GroupLength = {Int(_groupLength)};");
        writer.Line();
        writer.Line("/// <summary>The epsilon added under the square root.</summary>");
        writer.Line($"public const {T} Epsilon = {_t.Literal(_norm.Epsilon)};");
        if (_running)
        {
            writer.Line();
            writer.Line("/// <summary>The weight of the new batch in the running statistics.</summary>");
            writer.Line($"public const {T} Momentum = {_t.Literal(_norm.Momentum)};");
        }

        writer.Line();
        writer.Line("/// <summary>The number of samples in an input of <paramref name=\"length\"/> elements.</summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"length\"/> is not a multiple of <see cref=\"SampleLength\"/>.</exception>");
        writer.Line($"public static int BatchSize(int length) => {Runtime}.KernelArguments.RowCount(length, SampleLength, nameof(length));");
        writer.Line();
        writer.Line(_channelsLast
            ? "// A unit of work is one sample; a block is a run of whole lane periods (Period elements, a multiple of Channels)."
            : "// A unit of work is one (sample, group): a contiguous run of GroupLength elements; a block is a contiguous part of it.");
        writer.Line($"private const int UnitsPerSample = {Int(UnitsPerSample)};");
        writer.Line($"private const int UnitLength = {Int(_unitLength)};");
        writer.Line($"private const int UnitGroups = {Int(UnitGroups)};");
        writer.Line($"private const int UnitChannels = {Int(UnitChannels)};");
        writer.Line($"private const int BlockLength = {Int(_blockLength)};");
        writer.Line($"private const int Blocks = {Int(_blocks)};");
        writer.Line($"private const int BlockCount = {Int(BlockCount)};");
        writer.Line($"private const int LastBlockCount = {Int(LastBlockCount)};");
        writer.Line($"private const int WorkLength = {Int(WorkLength)};");
        writer.Line($"private const int CoefficientLength = {Int(CoefficientLength)};");
        writer.Line();
        writer.Line("// Input gradients at least this large (bytes) are written with non-temporal stores: with the output gradient and");
        writer.Line("// the input they would push each other out of cache anyway, and skipping the read-for-ownership of every line is faster.");
        writer.Line("private const long StreamingBytes = 4L << 20;");
        if (_channelsLast)
        {
            writer.Line();
            writer.Line("// Vector lanes repeat their channel every Period elements: the smallest multiple of Channels that");
            writer.Line("// fills whole vectors of every width (or Channels itself, with a scalar tail, when that multiple is large).");
            writer.Line($"private const int Period = {Int(_period)};");
        }
    }

    private List<string> AffineInputs() => _affine
        ? [$"{ReadOnlySpan}<{S}> weight", $"{ReadOnlySpan}<{S}> bias"]
        : [];

    private string AffineArguments => _affine ? "weight, bias, " : "";

    private void WriteAffineChecks(CodeWriter writer)
    {
        if (_affine)
        {
            writer.Line($"{Runtime}.KernelArguments.RequireLength(weight.Length, Channels, nameof(weight));");
            writer.Line($"{Runtime}.KernelArguments.RequireLength(bias.Length, Channels, nameof(bias));");
        }
    }

    private void WriteForward(CodeWriter writer)
    {
        var parameters = new List<string> { $"{ReadOnlySpan}<{S}> input" };
        parameters.AddRange(AffineInputs());
        parameters.Add($"{Span}<{S}> output");

        writer.Line("/// <summary>Normalizes every sample of <paramref name=\"input\"/> into <paramref name=\"output\"/>, which may be the same memory.</summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, or <paramref name=\"output\"/> partly overlaps <paramref name=\"input\"/>.</exception>");
        writer.Line($"public static void Forward({string.Join(", ", parameters)})");
        writer.Line($"    => Forward(input, {AffineArguments}output, default, default);");
        writer.Line();

        parameters.Add($"{Span}<{T}> mean");
        parameters.Add($"{Span}<{T}> rstd");
        writer.Line("/// <summary>");
        writer.Line("/// Normalizes every sample of <paramref name=\"input\"/> into <paramref name=\"output\"/>, which may be the same memory,");
        writer.Line("/// and saves the mean and reciprocal standard deviation of every (sample, group) for <c>Backward</c>.");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>The statistics spans hold <c>batch × Groups</c> elements; pass empty spans to skip saving them.</remarks>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, or <paramref name=\"output\"/> partly overlaps <paramref name=\"input\"/>.</exception>");
        using (writer.Block($"public static void Forward({string.Join(", ", parameters)})"))
        {
            WriteForwardChecks(writer, statistics: true);
            writer.Line();
            WithInputs(writer, output: true, body: (w, x, weight, bias, y) =>
            {
                w.Line($"fixed ({T}* meanOut = mean, rstdOut = rstd)");
                w.Line("{");
                w.Line($"    ForwardCore({x}, {weight}, {bias}, {y}, meanOut, rstdOut, null, batch);");
                w.Line("}");
            });
        }
    }

    private void WriteForwardChecks(CodeWriter writer, bool statistics)
    {
        writer.Line($"int batch = {Runtime}.KernelArguments.RowCount(input.Length, SampleLength, nameof(input));");
        WriteAffineChecks(writer);
        writer.Line($"{Runtime}.KernelArguments.RequireLength(output.Length, input.Length, nameof(output));");
        if (statistics)
        {
            writer.Line($"{Runtime}.KernelArguments.RequireLengthOrEmpty(mean.Length, (long)batch * Groups, nameof(mean));");
            writer.Line($"{Runtime}.KernelArguments.RequireLengthOrEmpty(rstd.Length, (long)batch * Groups, nameof(rstd));");
        }

        writer.Line($"{Runtime}.KernelArguments.RequireNoPartialOverlap(input, output, nameof(output));");
    }

    /// <summary>
    /// Pins input, weight, bias and output as compute-type pointers named x, w, b, y and runs <paramref name="body"/>;
    /// for Half, converts them into a float buffer first and the output back afterwards.
    /// </summary>
    private void WithInputs(CodeWriter writer, bool output, Action<CodeWriter, string, string, string, string> body)
    {
        string w = _affine ? "w" : "null";
        string b = _affine ? "b" : "null";
        if (!_half)
        {
            string pins = _affine ? $"x = input, w = weight, b = bias{(output ? ", y = output" : "")}" : $"x = input{(output ? ", y = output" : "")}";
            using (writer.Block($"fixed ({T}* {pins})"))
            {
                body(writer, "x", w, b, output ? "y" : "null");
            }

            return;
        }

        writer.Line("// Half storage: normalize a float copy in place, then round the result back once.");
        writer.Line($"float[] buffer = {Pool}.Rent(input.Length + {(_affine ? "2 * Channels" : "0")});");
        using (writer.Block("try"))
        {
            using (writer.Block("fixed (float* x = buffer)"))
            {
                writer.Line($"{Runtime}.HalfConversion.ToSingle(input, new {Span}<float>(x, input.Length));");
                if (_affine)
                {
                    writer.Line("float* w = x + input.Length, b = w + Channels;");
                    writer.Line($"{Runtime}.HalfConversion.ToSingle(weight, new {Span}<float>(w, Channels));");
                    writer.Line($"{Runtime}.HalfConversion.ToSingle(bias, new {Span}<float>(b, Channels));");
                }

                body(writer, "x", w, b, "x");
                if (output)
                {
                    writer.Line($"{Runtime}.HalfConversion.ToHalf(new {ReadOnlySpan}<float>(x, input.Length), output);");
                }
            }
        }

        using (writer.Block("finally"))
        {
            writer.Line($"{Pool}.Return(buffer);");
        }
    }

    private void WriteForwardTraining(CodeWriter writer)
    {
        var parameters = new List<string> { $"{ReadOnlySpan}<{S}> input" };
        parameters.AddRange(AffineInputs());
        parameters.Add($"{Span}<{S}> output");
        parameters.Add($"{Span}<{S}> runningMean");
        parameters.Add($"{Span}<{S}> runningVar");

        writer.Line("/// <summary>");
        writer.Line("/// Training-mode forward: normalizes with the batch's statistics, as <c>Forward</c>, and updates the running");
        writer.Line("/// statistics in place: <c>running = (1 - Momentum) * running + Momentum * batchValue</c> per channel, averaged over");
        writer.Line("/// the samples, with the unbiased variance.");
        writer.Line("/// </summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, or <paramref name=\"output\"/> partly overlaps <paramref name=\"input\"/>.</exception>");
        writer.Line($"public static void ForwardTraining({string.Join(", ", parameters)})");
        writer.Line($"    => ForwardTraining(input, {AffineArguments}output, runningMean, runningVar, default, default);");
        writer.Line();

        parameters.Add($"{Span}<{T}> mean");
        parameters.Add($"{Span}<{T}> rstd");
        writer.Line("/// <summary>");
        writer.Line("/// Training-mode forward that also saves the batch's mean and reciprocal standard deviation of every");
        writer.Line("/// (sample, channel) for <c>Backward</c>; pass empty spans to skip saving them.");
        writer.Line("/// </summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, or <paramref name=\"output\"/> partly overlaps <paramref name=\"input\"/>.</exception>");
        using (writer.Block($"public static void ForwardTraining({string.Join(", ", parameters)})"))
        {
            WriteForwardChecks(writer, statistics: true);
            writer.Line($"{Runtime}.KernelArguments.RequireLength(runningMean.Length, Channels, nameof(runningMean));");
            writer.Line($"{Runtime}.KernelArguments.RequireLength(runningVar.Length, Channels, nameof(runningVar));");
            writer.Line("if (batch == 0)");
            writer.Line("{");
            writer.Line("    return;");
            writer.Line("}");
            writer.Line();
            writer.Line("int count = batch * Groups;");
            writer.Line($"{T}[] statistics = {Pool}.Rent(3 * count);");
            using (writer.Block("try"))
            {
                WithInputs(writer, output: true, body: (w, x, weight, bias, y) =>
                {
                    w.Line($"fixed ({T}* scratch = statistics, meanOut = mean, rstdOut = rstd)");
                    w.Line($"fixed ({S}* runningMeanAt = runningMean, runningVarAt = runningVar)");
                    w.Line("{");
                    w.Line($"    {T}* meanAt = meanOut != null ? meanOut : scratch;");
                    w.Line($"    {T}* rstdAt = rstdOut != null ? rstdOut : scratch + count;");
                    w.Line($"    ForwardCore({x}, {weight}, {bias}, {y}, meanAt, rstdAt, scratch + 2 * count, batch);");
                    w.Line("    UpdateRunningStatistics(meanAt, scratch + 2 * count, runningMeanAt, runningVarAt, batch);");
                    w.Line("}");
                });
            }

            using (writer.Block("finally"))
            {
                writer.Line($"{Pool}.Return(statistics);");
            }
        }
    }

    private void WriteForwardEval(CodeWriter writer)
    {
        var parameters = new List<string> { $"{ReadOnlySpan}<{S}> input" };
        parameters.AddRange(AffineInputs());
        parameters.Add($"{ReadOnlySpan}<{S}> runningMean");
        parameters.Add($"{ReadOnlySpan}<{S}> runningVar");
        parameters.Add($"{Span}<{S}> output");

        writer.Line("/// <summary>");
        writer.Line("/// Evaluation-mode forward: normalizes every channel with its running statistics,");
        writer.Line("/// <c>y = (x - runningMean[c]) / sqrt(runningVar[c] + eps)</c>" + (_affine ? " <c>* weight[c] + bias[c]</c>." : "."));
        writer.Line("/// </summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, or <paramref name=\"output\"/> partly overlaps <paramref name=\"input\"/>.</exception>");
        using (writer.Block($"public static void ForwardEval({string.Join(", ", parameters)})"))
        {
            WriteForwardChecks(writer, statistics: false);
            writer.Line($"{Runtime}.KernelArguments.RequireLength(runningMean.Length, Channels, nameof(runningMean));");
            writer.Line($"{Runtime}.KernelArguments.RequireLength(runningVar.Length, Channels, nameof(runningVar));");
            writer.Line();
            writer.Line("// The running statistics, spread to every (sample, channel) as if they had been that sample's own.");
            writer.Line("int count = batch * Groups;");
            writer.Line($"{T}[] statistics = {Pool}.Rent(2 * count);");
            using (writer.Block("try"))
            {
                using (writer.Block("for (int c = 0; c < Channels; c++)"))
                {
                    writer.Line($"{T} mean = {Widen("runningMean[c]")}, rstd = 1 / {_t.Sqrt}({Widen("runningVar[c]")} + Epsilon);");
                    using (writer.Block("for (int n = 0; n < batch; n++)"))
                    {
                        writer.Line("statistics[n * Channels + c] = mean;");
                        writer.Line("statistics[count + n * Channels + c] = rstd;");
                    }
                }

                writer.Line();
                WithInputs(writer, output: true, body: (w, x, weight, bias, y) =>
                {
                    w.Line($"fixed ({T}* scratch = statistics)");
                    w.Line("{");
                    w.Line($"    NormalizeCore({x}, {weight}, {bias}, {y}, scratch, scratch + count, batch);");
                    w.Line("}");
                });
            }

            using (writer.Block("finally"))
            {
                writer.Line($"{Pool}.Return(statistics);");
            }
        }
    }

    private string Widen(string value) => _half ? $"(float){value}" : value;

    private void WriteBackward(CodeWriter writer)
    {
        var parameters = new List<string> { $"{ReadOnlySpan}<{S}> gradOutput", $"{ReadOnlySpan}<{S}> input" };
        if (_affine)
        {
            parameters.Add($"{ReadOnlySpan}<{S}> weight");
        }

        if (NeedsBiasInBackward)
        {
            parameters.Add($"{ReadOnlySpan}<{S}> bias");
        }

        parameters.Add($"{ReadOnlySpan}<{T}> mean");
        parameters.Add($"{ReadOnlySpan}<{T}> rstd");
        parameters.Add($"{Span}<{S}> gradInput");
        if (_affine)
        {
            parameters.Add($"{Span}<{S}> gradWeight");
            parameters.Add($"{Span}<{S}> gradBias");
        }

        writer.Line("/// <summary>");
        if (_affine)
        {
            writer.Line("/// Back-propagates <paramref name=\"gradOutput\"/> through the norm: writes the input gradient, and (over)writes the");
            writer.Line("/// weight and bias gradients summed over the batch. Uses the statistics saved by the forward pass.");
            writer.Line("/// </summary>");
            writer.Line("/// <remarks>");
            writer.Line("/// Pass an empty span for a parameter gradient that is not needed. Parameter gradients are summed per sample,");
            writer.Line("/// then over the samples in order: results are bitwise reproducible at any thread count.");
            writer.Line("/// </remarks>");
        }
        else
        {
            writer.Line("/// Back-propagates <paramref name=\"gradOutput\"/> through the norm into the input gradient.");
            writer.Line("/// Uses the statistics saved by the forward pass.");
            writer.Line("/// </summary>");
        }

        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit the shape, or <paramref name=\"gradInput\"/> partly overlaps an input.</exception>");
        using (writer.Block($"public static void Backward({string.Join(", ", parameters)})"))
        {
            writer.Line($"int batch = {Runtime}.KernelArguments.RowCount(input.Length, SampleLength, nameof(input));");
            writer.Line($"{Runtime}.KernelArguments.RequireLength(gradOutput.Length, input.Length, nameof(gradOutput));");
            if (_affine)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireLength(weight.Length, Channels, nameof(weight));");
            }

            if (NeedsBiasInBackward)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireLength(bias.Length, Channels, nameof(bias));");
            }

            writer.Line($"{Runtime}.KernelArguments.RequireLength(mean.Length, (long)batch * Groups, nameof(mean));");
            writer.Line($"{Runtime}.KernelArguments.RequireLength(rstd.Length, (long)batch * Groups, nameof(rstd));");
            writer.Line($"{Runtime}.KernelArguments.RequireLength(gradInput.Length, input.Length, nameof(gradInput));");
            if (_affine)
            {
                writer.Line($"{Runtime}.KernelArguments.RequireLengthOrEmpty(gradWeight.Length, Channels, nameof(gradWeight));");
                writer.Line($"{Runtime}.KernelArguments.RequireLengthOrEmpty(gradBias.Length, Channels, nameof(gradBias));");
            }

            writer.Line($"{Runtime}.KernelArguments.RequireNoPartialOverlap(gradOutput, gradInput, nameof(gradInput));");
            writer.Line($"{Runtime}.KernelArguments.RequireNoPartialOverlap(input, gradInput, nameof(gradInput));");
            writer.Line("if (batch == 0)");
            writer.Line("{");
            if (_affine)
            {
                writer.Line("    gradWeight.Clear();");
                writer.Line("    gradBias.Clear();");
            }

            writer.Line("    return;");
            writer.Line("}");
            writer.Line();
            if (_affine)
            {
                writer.Line("// Per-sample parameter gradients, summed over the samples in order afterwards.");
                writer.Line($"{T}[]? weightPartials = gradWeight.IsEmpty ? null : {Pool}.Rent(batch * Channels);");
                writer.Line($"{T}[]? biasPartials = gradBias.IsEmpty ? null : {Pool}.Rent(batch * Channels);");
            }

            bool activation = _norm.Activation != ActivationKind.None;
            if (_half)
            {
                writer.Line("// Half storage: back-propagate float copies, the input gradient in place of the output gradient's copy.");
                writer.Line($"float[] buffer = {Pool}.Rent(2 * input.Length + {(_affine ? "4 * Channels" : "0")});");
            }
            else if (activation)
            {
                writer.Line("// The activation's backward turns gradOutput into the gradient of the affine output first.");
                writer.Line($"{T}[] buffer = {Pool}.Rent(input.Length);");
            }

            using (writer.Block("try"))
            {
                WriteBackwardLaunch(writer, activation);
            }

            using (writer.Block("finally"))
            {
                if (_affine)
                {
                    writer.Line($"if (weightPartials is not null) {Pool}.Return(weightPartials);");
                    writer.Line($"if (biasPartials is not null) {Pool}.Return(biasPartials);");
                }

                if (_half || activation)
                {
                    writer.Line($"{Pool}.Return(buffer);");
                }
            }
        }
    }

    private void WriteBackwardLaunch(CodeWriter writer, bool activation)
    {
        string partialPins = _affine ? $", dwPartial = weightPartials, dbPartial = biasPartials" : "";
        string partials = _affine ? "dwPartial, dbPartial" : "null, null";
        string w = _affine ? "w" : "null";
        string b = NeedsBiasInBackward ? "b" : "null";
        if (!_half)
        {
            string weightPin = _affine ? ", w = weight" : "";
            weightPin += NeedsBiasInBackward ? ", b = bias" : "";
            string bufferPin = activation ? ", dz = buffer" : "";
            using (writer.Block($"fixed ({T}* dy = gradOutput, x = input{weightPin}, meanIn = mean, rstdIn = rstd, dx = gradInput{partialPins}{bufferPin})"))
            {
                if (activation)
                {
                    writer.Line($"ActivationGradientCore(dy, x, {w}, {b}, meanIn, rstdIn, dz, batch);");
                }

                writer.Line($"BackwardCore({(activation ? "dz" : "dy")}, x, {w}, meanIn, rstdIn, dx, {partials}, batch);");
            }

            if (_affine)
            {
                writer.Line();
                writer.Line($"if (weightPartials is not null) {Runtime}.PartialSums.Reduce<{T}>(weightPartials, batch, gradWeight);");
                writer.Line($"if (biasPartials is not null) {Runtime}.PartialSums.Reduce<{T}>(biasPartials, batch, gradBias);");
            }

            return;
        }

        using (writer.Block($"fixed (float* dy = buffer, meanIn = mean, rstdIn = rstd{partialPins})"))
        {
            writer.Line("float* x = dy + input.Length;");
            writer.Line($"{Runtime}.HalfConversion.ToSingle(gradOutput, new {Span}<float>(dy, input.Length));");
            writer.Line($"{Runtime}.HalfConversion.ToSingle(input, new {Span}<float>(x, input.Length));");
            if (_affine)
            {
                writer.Line("float* w = x + input.Length, b = w + 3 * Channels;");
                writer.Line($"{Runtime}.HalfConversion.ToSingle(weight, new {Span}<float>(w, Channels));");
                if (NeedsBiasInBackward)
                {
                    writer.Line($"{Runtime}.HalfConversion.ToSingle(bias, new {Span}<float>(b, Channels));");
                }
            }

            if (activation)
            {
                writer.Line($"ActivationGradientCore(dy, x, {w}, {b}, meanIn, rstdIn, dy, batch);");
            }

            writer.Line($"BackwardCore(dy, x, {w}, meanIn, rstdIn, dy, {partials}, batch);");
            writer.Line($"{Runtime}.HalfConversion.ToHalf(new {ReadOnlySpan}<float>(dy, input.Length), gradInput);");
            if (_affine)
            {
                writer.Line($"{Span}<float> sum = new {Span}<float>(w + Channels, Channels);");
                using (writer.Block("if (weightPartials is not null)"))
                {
                    writer.Line($"{Runtime}.PartialSums.Reduce<float>(weightPartials, batch, sum);");
                    writer.Line($"{Runtime}.HalfConversion.ToHalf(sum, gradWeight);");
                }

                using (writer.Block("if (biasPartials is not null)"))
                {
                    writer.Line($"{Runtime}.PartialSums.Reduce<float>(biasPartials, batch, sum);");
                    writer.Line($"{Runtime}.HalfConversion.ToHalf(sum, gradBias);");
                }
            }
        }
    }

    // ---------------------------------------------------------------- orchestration

    private void WriteCores(CodeWriter writer)
    {
        bool split = _blocks > 1;
        if (split)
        {
            writer.Line("/// <summary>Whether spreading the blocks of the units over the cores uses more of them than spreading whole units.</summary>");
            writer.Line($"private static bool SplitsBlocks(int units) => {Runtime}.RowScheduler.WorkersFor(units * Blocks, BlockLength) > {Runtime}.RowScheduler.WorkersFor(units, UnitLength);");
            writer.Line();
        }

        writer.Line($"private static void ForwardCore({T}* x, {T}* w, {T}* b, {T}* y, {T}* mean, {T}* rstd, {T}* m2, int batch)");
        writer.Line("{");
        writer.Line("    int units = batch * UnitsPerSample;");
        if (!split)
        {
            writer.Line($"    {Runtime}.RowScheduler.Run(new ForwardUnits(x, w, b, y, mean, rstd, m2, {StreamForward}), {Runtime}.ReductionPlan.For(units, UnitLength), UnitLength);");
        }
        else
        {
            writer.Line("    if (!SplitsBlocks(units))");
            writer.Line("    {");
            writer.Line($"        {Runtime}.RowScheduler.Run(new ForwardUnits(x, w, b, y, mean, rstd, m2, {StreamForward}), {Runtime}.ReductionPlan.For(units, UnitLength), UnitLength);");
            writer.Line("        return;");
            writer.Line("    }");
            writer.Line();
            writer.Line("    // Few large units: statistics of every block on every core, merged per unit in block order, then");
            writer.Line("    // normalization block by block.");
            writer.Line("    long statistics = (long)units * UnitGroups, partials = statistics * Blocks;");
            writer.Line($"    {T}[] scratch = {Pool}.Rent((int)(2 * partials + 3 * statistics));");
            writer.Line("    try");
            writer.Line("    {");
            writer.Line($"        fixed ({T}* s = scratch)");
            writer.Line("        {");
            writer.Line($"            {T}* blockMean = s, blockM2 = s + partials;");
            writer.Line($"            {T}* meanAt = mean != null ? mean : s + 2 * partials;");
            writer.Line($"            {T}* rstdAt = rstd != null ? rstd : s + 2 * partials + statistics;");
            writer.Line($"            {T}* m2At = m2 != null ? m2 : s + 2 * partials + 2 * statistics;");
            writer.Line($"            {Runtime}.RowScheduler.Run(new StatisticsBlocks(x, blockMean, blockM2), units * Blocks, BlockLength);");
            writer.Line("            for (int unit = 0; unit < units; unit++)");
            writer.Line("            {");
            writer.Line("                long at = (long)unit * UnitGroups;");
            writer.Line("                MergeStatistics(blockMean + at * Blocks, blockM2 + at * Blocks, meanAt + at, rstdAt + at, m2At + at);");
            writer.Line("            }");
            writer.Line();
            writer.Line("            NormalizeCore(x, w, b, y, meanAt, rstdAt, batch);");
            writer.Line("        }");
            writer.Line("    }");
            writer.Line("    finally");
            writer.Line("    {");
            writer.Line($"        {Pool}.Return(scratch);");
            writer.Line("    }");
        }
        writer.Line("}");
        writer.Line();

        writer.Line("/// <summary>Normalizes with given per-(sample, group) statistics.</summary>");
        writer.Line($"private static void NormalizeCore({T}* x, {T}* w, {T}* b, {T}* y, {T}* mean, {T}* rstd, int batch)");
        writer.Line($"    => {Runtime}.RowScheduler.Run(new NormalizeBlocks(x, w, b, y, mean, rstd, {StreamForward}), batch * UnitsPerSample * Blocks, BlockLength);");
        writer.Line();

        writer.Line($"private static void BackwardCore({T}* dy, {T}* x, {T}* w, {T}* mean, {T}* rstd, {T}* dx, {T}* dwPartial, {T}* dbPartial, int batch)");
        writer.Line("{");
        writer.Line("    int units = batch * UnitsPerSample;");
        if (!split)
        {
            writer.Line($"    {Runtime}.RowScheduler.Run(new BackwardUnits(dy, x, w, mean, rstd, dx, dwPartial, dbPartial, {StreamBackward}), {Runtime}.ReductionPlan.For(units, UnitLength), UnitLength);");
        }
        else
        {
            writer.Line("    if (!SplitsBlocks(units))");
            writer.Line("    {");
            writer.Line($"        {Runtime}.RowScheduler.Run(new BackwardUnits(dy, x, w, mean, rstd, dx, dwPartial, dbPartial, {StreamBackward}), {Runtime}.ReductionPlan.For(units, UnitLength), UnitLength);");
            writer.Line("        return;");
            writer.Line("    }");
            writer.Line();
            writer.Line("    // Few large units: per-block channel sums on every core, added up per unit in block order, then the");
            writer.Line("    // input gradient block by block.");
            writer.Line("    long partials = (long)units * Blocks * UnitChannels, coefficients = (long)units * CoefficientLength;");
            writer.Line($"    {T}[] scratch = {Pool}.Rent((int)(2 * partials + coefficients + 2 * UnitChannels + WorkLength));");
            writer.Line("    try");
            writer.Line("    {");
            writer.Line($"        fixed ({T}* s = scratch)");
            writer.Line("        {");
            writer.Line($"            {T}* partialA = s, partialB = s + partials, coefficientsAt = s + 2 * partials;");
            writer.Line($"            {T}* totalA = coefficientsAt + coefficients, totalB = totalA + UnitChannels, work = totalB + UnitChannels;");
            writer.Line($"            {Runtime}.RowScheduler.Run(new GradientSumBlocks(dy, x, mean, partialA, partialB), units * Blocks, BlockLength);");
            writer.Line("            for (int unit = 0; unit < units; unit++)");
            writer.Line("            {");
            writer.Line($"                new {Span}<{T}>(totalA, 2 * UnitChannels).Clear();");
            writer.Line("                for (int block = 0; block < Blocks; block++)");
            writer.Line("                {");
            writer.Line("                    long at = ((long)unit * Blocks + block) * UnitChannels;");
            writer.Line("                    for (int j = 0; j < UnitChannels; j++)");
            writer.Line("                    {");
            writer.Line("                        totalA[j] += partialA[at + j];");
            writer.Line("                        totalB[j] += partialB[at + j];");
            writer.Line("                    }");
            writer.Line("                }");
            writer.Line();
            writer.Line("                long statistics = (long)unit * UnitGroups;");
            writer.Line("                GradientCoefficients(unit, totalA, totalB, w, mean + statistics, rstd + statistics, dwPartial, dbPartial, coefficientsAt + (long)unit * CoefficientLength, work);");
            writer.Line("            }");
            writer.Line();
            writer.Line($"            {Runtime}.RowScheduler.Run(new GradientInputBlocks(dy, x, dx, mean, coefficientsAt, {StreamBackward}), units * Blocks, BlockLength);");
            writer.Line("        }");
            writer.Line("    }");
            writer.Line("    finally");
            writer.Line("    {");
            writer.Line($"        {Pool}.Return(scratch);");
            writer.Line("    }");
        }

        writer.Line("}");

        if (_norm.Activation != ActivationKind.None)
        {
            writer.Line();
            writer.Line("/// <summary>Writes the gradient of the affine output: <c>dz = dy · act'(z)</c>, with <c>z</c> recomputed from the saved statistics.</summary>");
            writer.Line($"private static void ActivationGradientCore({T}* dy, {T}* x, {T}* w, {T}* b, {T}* mean, {T}* rstd, {T}* dz, int batch)");
            writer.Line($"    => {Runtime}.RowScheduler.Run(new ActivationGradientBlocks(dy, x, w, b, mean, rstd, dz), batch * UnitsPerSample * Blocks, BlockLength);");
            writer.Line();
            writer.Line($"private static void Activate({T}* y, int length)");
            writer.Line($"    => {Runtime}.Activations.{ActivationMethod}(new {ReadOnlySpan}<{T}>(y, length), new {Span}<{T}>(y, length));");
        }

        if (_running)
        {
            writer.Line();
            writer.Line("/// <summary>");
            writer.Line("/// PyTorch's update: every (sample, channel) moves a copy of the channel's running statistics by Momentum towards its");
            writer.Line("/// mean and unbiased variance, and the channel keeps the average of those copies over the batch.");
            writer.Line("/// </summary>");
            writer.Line(Optimized);
            writer.Line($"private static void UpdateRunningStatistics({T}* mean, {T}* m2, {S}* runningMean, {S}* runningVar, int batch)");
            writer.Line("{");
            writer.Line("    for (int c = 0; c < Channels; c++)");
            writer.Line("    {");
            writer.Line($"        {T} keptMean = (1 - Momentum) * {Widen("runningMean[c]")}, keptVar = (1 - Momentum) * {Widen("runningVar[c]")};");
            writer.Line($"        {T} meanSum = 0, varSum = 0;");
            writer.Line("        for (int n = 0; n < batch; n++)");
            writer.Line("        {");
            writer.Line("            int i = n * Channels + c;");
            writer.Line("            meanSum += Momentum * mean[i] + keptMean;");
            writer.Line("            varSum += Momentum * (m2[i] / (GroupLength - 1)) + keptVar;");
            writer.Line("        }");
            writer.Line();
            writer.Line($"        runningMean[c] = {Narrow("meanSum / batch")};");
            writer.Line($"        runningVar[c] = {Narrow("varSum / batch")};");
            writer.Line("    }");
            writer.Line("}");
        }

        writer.Line();
        writer.Line("/// <summary>Merges the per-block statistics of one unit in block order (Chan et al.), then turns the variance into rstd.</summary>");
        writer.Line(Optimized);
        writer.Line($"private static void MergeStatistics({T}* blockMean, {T}* blockM2, {T}* mean, {T}* rstd, {T}* m2)");
        writer.Line("{");
        writer.Line("    for (int g = 0; g < UnitGroups; g++)");
        writer.Line("    {");
        writer.Line($"        {T} mu = blockMean[g], squares = blockM2[g];");
        writer.Line("        for (int block = 1; block < Blocks; block++)");
        writer.Line("        {");
        writer.Line("            double before = (double)block * BlockCount, size = block == Blocks - 1 ? LastBlockCount : BlockCount;");
        writer.Line($"            {T} delta = blockMean[block * UnitGroups + g] - mu;");
        writer.Line($"            mu += delta * ({T})(size / (before + size));");
        writer.Line($"            squares += blockM2[block * UnitGroups + g] + delta * delta * ({T})(before * size / (before + size));");
        writer.Line("        }");
        writer.Line();
        writer.Line("        mean[g] = mu;");
        writer.Line($"        rstd[g] = 1 / {_t.Sqrt}(squares / GroupLength + Epsilon);");
        writer.Line("        m2[g] = squares;");
        writer.Line("    }");
        writer.Line("}");
        writer.Line();
        writer.Line("/// <summary>The number of elements in <paramref name=\"block\"/> of a unit; the last block takes what is left.</summary>");
        writer.Line("private static int BlockSize(int block) => block == Blocks - 1 ? UnitLength - (Blocks - 1) * BlockLength : BlockLength;");
    }

    private string Narrow(string value) => _half ? $"({HalfType})({value})" : value;

    // ---------------------------------------------------------------- row kernels

    private void WriteKernels(CodeWriter writer)
    {
        bool activation = _norm.Activation != ActivationKind.None;

        // Whole units, forward.
        WriteKernel(writer, "ForwardUnits", "Computes the statistics of whole units and normalizes them.", ["x", "w", "b", "y", "mean", "rstd", "m2", "bool stream"],
            $"2 * Blocks * UnitGroups + 3 * UnitGroups + WorkLength",
            [
                $"{T}* blockMean = s, blockM2 = s + Blocks * UnitGroups, mean = blockM2 + Blocks * UnitGroups;",
                $"{T}* rstd = mean + UnitGroups, m2 = rstd + UnitGroups, work = m2 + UnitGroups;",
                "for (int unit = firstRow; unit < firstRow + rowCount; unit++)",
                "{",
                "    long offset = (long)unit * UnitLength;",
                "    for (int block = 0; block < Blocks; block++)",
                "    {",
                "        BlockStatistics(_x + offset, block, blockMean + block * UnitGroups, blockM2 + block * UnitGroups, work);",
                "    }",
                "",
                "    MergeStatistics(blockMean, blockM2, mean, rstd, m2);",
                "    long at = (long)unit * UnitGroups;",
                "    for (int g = 0; g < UnitGroups; g++)",
                "    {",
                "        if (_mean != null) _mean[at + g] = mean[g];",
                "        if (_rstd != null) _rstd[at + g] = rstd[g];",
                "        if (_m2 != null) _m2[at + g] = m2[g];",
                "    }",
                "",
                "    NormalizeRange(_x + offset, _y + offset, unit, 0, UnitLength, mean, rstd, _w, _b, work, _stream);",
                .. activation ? new[] { "    Activate(_y + offset, UnitLength);" } : [],
                "}",
            ]);

        writer.Line();
        WriteKernel(writer, "NormalizeBlocks", "Normalizes blocks with given statistics.", ["x", "w", "b", "y", "mean", "rstd", "bool stream"],
            "WorkLength",
            [
                $"{T}* work = s;",
                "for (int row = firstRow; row < firstRow + rowCount; row++)",
                "{",
                "    int unit = row / Blocks, start = (row - unit * Blocks) * BlockLength, length = BlockSize(row - unit * Blocks);",
                "    long offset = (long)unit * UnitLength, at = (long)unit * UnitGroups;",
                "    NormalizeRange(_x + offset, _y + offset, unit, start, start + length, _mean + at, _rstd + at, _w, _b, work, _stream);",
                .. activation ? new[] { "    Activate(_y + offset + start, length);" } : [],
                "}",
            ]);

        writer.Line();
        WriteKernel(writer, "BackwardUnits", "Back-propagates whole units.", ["dy", "x", "w", "mean", "rstd", "dx", "dwPartial", "dbPartial", "bool stream"],
            "4 * UnitChannels + CoefficientLength + WorkLength",
            [
                $"{T}* partialA = s, partialB = s + UnitChannels, totalA = s + 2 * UnitChannels, totalB = s + 3 * UnitChannels;",
                $"{T}* coefficients = s + 4 * UnitChannels, work = coefficients + CoefficientLength;",
                "for (int unit = firstRow; unit < firstRow + rowCount; unit++)",
                "{",
                "    long offset = (long)unit * UnitLength, at = (long)unit * UnitGroups;",
                $"    new {Span}<{T}>(totalA, 2 * UnitChannels).Clear();",
                "    for (int block = 0; block < Blocks; block++)",
                "    {",
                "        GradientSums(_dy + offset, _x + offset, block, _mean + at, partialA, partialB, work);",
                "        for (int j = 0; j < UnitChannels; j++)",
                "        {",
                "            totalA[j] += partialA[j];",
                "            totalB[j] += partialB[j];",
                "        }",
                "    }",
                "",
                "    GradientCoefficients(unit, totalA, totalB, _w, _mean + at, _rstd + at, _dwPartial, _dbPartial, coefficients, work);",
                "    GradientInputRange(_dy + offset, _x + offset, _dx + offset, unit, 0, UnitLength, _mean + at, coefficients, _stream);",
                "}",
            ]);

        if (_blocks > 1)
        {
            writer.Line();
            WriteKernel(writer, "StatisticsBlocks", "Computes the statistics of single blocks.", ["x", "blockMean", "blockM2"],
                "WorkLength",
                [
                    $"{T}* work = s;",
                    "for (int row = firstRow; row < firstRow + rowCount; row++)",
                    "{",
                    "    int unit = row / Blocks;",
                    "    BlockStatistics(_x + (long)unit * UnitLength, row - unit * Blocks, _blockMean + (long)row * UnitGroups, _blockM2 + (long)row * UnitGroups, work);",
                    "}",
                ]);

            writer.Line();
            WriteKernel(writer, "GradientSumBlocks", "Computes the per-channel gradient sums of single blocks.", ["dy", "x", "mean", "partialA", "partialB"],
                "WorkLength",
                [
                    $"{T}* work = s;",
                    "for (int row = firstRow; row < firstRow + rowCount; row++)",
                    "{",
                    "    int unit = row / Blocks;",
                    "    long offset = (long)unit * UnitLength, at = (long)row * UnitChannels;",
                    "    GradientSums(_dy + offset, _x + offset, row - unit * Blocks, _mean + (long)unit * UnitGroups, _partialA + at, _partialB + at, work);",
                    "}",
                ]);

            writer.Line();
            WriteKernel(writer, "GradientInputBlocks", "Writes the input gradient of single blocks.", ["dy", "x", "dx", "mean", "coefficients", "bool stream"],
                null,
                [
                    "for (int row = firstRow; row < firstRow + rowCount; row++)",
                    "{",
                    "    int unit = row / Blocks, start = (row - unit * Blocks) * BlockLength;",
                    "    long offset = (long)unit * UnitLength;",
                    "    GradientInputRange(_dy + offset, _x + offset, _dx + offset, unit, start, start + BlockSize(row - unit * Blocks), _mean + (long)unit * UnitGroups, _coefficients + (long)unit * CoefficientLength, _stream);",
                    "}",
                ]);
        }

        if (activation)
        {
            writer.Line();
            WriteKernel(writer, "ActivationGradientBlocks", "Recomputes the affine output of single blocks and applies the activation's backward to the output gradient.",
                ["dy", "x", "w", "b", "mean", "rstd", "dz"],
                "BlockLength + WorkLength",
                [
                    $"{T}* z = s, work = s + BlockLength;",
                    "for (int row = firstRow; row < firstRow + rowCount; row++)",
                    "{",
                    "    int unit = row / Blocks, start = (row - unit * Blocks) * BlockLength, length = BlockSize(row - unit * Blocks);",
                    "    long offset = (long)unit * UnitLength, at = (long)unit * UnitGroups;",
                    "    NormalizeRange(_x + offset, z - start, unit, start, start + length, _mean + at, _rstd + at, _w, _b, work, false);",
                    $"    {T}* dz = _dz + offset + start, dy = _dy + offset + start;",
                    "    if (dz != dy)",
                    "    {",
                    $"        new {ReadOnlySpan}<{T}>(dy, length).CopyTo(new {Span}<{T}>(dz, length));",
                    "    }",
                    "",
                    $"    {Runtime}.Activations.{ActivationMethod}Backward(new {ReadOnlySpan}<{T}>(z, length), new {Span}<{T}>(dz, length));",
                    "}",
                ]);
        }
    }

    /// <summary>
    /// Writes an <c>IRowKernel</c> struct over pinned pointers. With <paramref name="scratch"/>, the body runs with
    /// <c>s</c> pointing to that many pooled elements, rented once per range of rows.
    /// </summary>
    private void WriteKernel(CodeWriter writer, string name, string summary, string[] fields, string? scratch, string[] body)
    {
        // Whole units go out in many small blocks, taken by whichever core is free: a worker that starts late
        // (on a busy machine) then takes fewer blocks instead of holding the call up with a fixed half.
        bool dynamic = name.EndsWith("Units", StringComparison.Ordinal);
        writer.Line($"/// <summary>{summary} Holds pointers pinned by the caller.</summary>");
        using (writer.Block($"private readonly struct {name} : {Runtime}.{(dynamic ? "IRowBlockKernel" : "IRowKernel")}"))
        {
            // A field is a pointer to the compute type unless it names its own type ("bool stream").
            string TypeOf(string field) => field.Contains(' ') ? field.Split(' ')[0] : $"{T}*";
            string NameOf(string field) => field.Split(' ').Last();
            foreach (string field in fields)
            {
                writer.Line($"private readonly {TypeOf(field)} _{NameOf(field)};");
            }

            writer.Line();
            writer.Line($"public {name}({string.Join(", ", fields.Select(f => $"{TypeOf(f)} {NameOf(f)}"))})");
            writer.Line("{");
            foreach (string field in fields)
            {
                writer.Line($"    _{NameOf(field)} = {NameOf(field)};");
            }

            writer.Line("}");
            writer.Line();
            if (dynamic)
            {
                writer.Line("public void Execute(int block, int firstRow, int rowCount) => Execute(firstRow, rowCount);");
                writer.Line();
            }

            writer.Line(Optimized);
            using (writer.Block($"{(dynamic ? "private" : "public")} void Execute(int firstRow, int rowCount)"))
            {
                if (scratch is null)
                {
                    foreach (string line in body)
                    {
                        writer.Line(line);
                    }

                    return;
                }

                writer.Line($"{T}[] scratch = {Pool}.Rent({scratch});");
                using (writer.Block("try"))
                {
                    using (writer.Block($"fixed ({T}* s = scratch)"))
                    {
                        foreach (string line in body)
                        {
                            writer.Line(line);
                        }
                    }
                }

                using (writer.Block("finally"))
                {
                    writer.Line($"{Pool}.Return(scratch);");
                }
            }
        }
    }

    // ---------------------------------------------------------------- geometry

    private string ScaleOf(string rstd, string channel) => _affine ? $"{rstd} * w[{channel}]" : rstd;

    private void WriteChannelsFirstHelpers(CodeWriter writer)
    {
        writer.Line("/// <summary>The mean and sum of squared deviations of one block of a (sample, group).</summary>");
        writer.Line(Optimized);
        writer.Line($"private static void BlockStatistics({T}* x, int block, {T}* mean, {T}* m2, {T}* work)");
        writer.Line("{");
        writer.Line($"    Moments(x + block * BlockLength, BlockSize(block), out {T} blockMean, out {T} blockM2);");
        writer.Line("    *mean = blockMean;");
        writer.Line("    *m2 = blockM2;");
        writer.Line("}");
        writer.Line();
        writer.Line("/// <summary>Normalizes elements [start, end) of a (sample, group), channel by channel with a folded scale.</summary>");
        writer.Line(Optimized);
        writer.Line($"private static void NormalizeRange({T}* x, {T}* y, int unit, int start, int end, {T}* mean, {T}* rstd, {T}* w, {T}* b, {T}* work, bool stream)");
        writer.Line("{");
        writer.Line("    int first = unit % Groups * ChannelsPerGroup;");
        writer.Line("    for (int j = start / Spatial; j * Spatial < end; j++)");
        writer.Line("    {");
        writer.Line("        int from = global::System.Math.Max(start, j * Spatial), to = global::System.Math.Min(end, (j + 1) * Spatial);");
        string shift = _affine ? "b[first + j]" : "0";
        writer.Line($"        AffineRun(x + from, y + from, to - from, *mean, {ScaleOf("*rstd", "first + j")}, {shift}, stream);");
        writer.Line("    }");
        writer.Line("}");
        writer.Line();
        writer.Line("/// <summary>Per channel of one block: Σ dy·(x - mean) and Σ dy, zero for channels the block does not touch.</summary>");
        writer.Line(Optimized);
        writer.Line($"private static void GradientSums({T}* dy, {T}* x, int block, {T}* mean, {T}* partialA, {T}* partialB, {T}* work)");
        writer.Line("{");
        writer.Line($"    new {Span}<{T}>(partialA, UnitChannels).Clear();");
        writer.Line($"    new {Span}<{T}>(partialB, UnitChannels).Clear();");
        writer.Line("    int start = block * BlockLength, end = start + BlockSize(block);");
        writer.Line("    for (int j = start / Spatial; j * Spatial < end; j++)");
        writer.Line("    {");
        writer.Line("        int from = global::System.Math.Max(start, j * Spatial), to = global::System.Math.Min(end, (j + 1) * Spatial);");
        writer.Line("        GradientSumsRun(dy + from, x + from, to - from, *mean, out partialA[j], out partialB[j]);");
        writer.Line("    }");
        writer.Line("}");
        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// From the channel sums of a (sample, group): its parameter gradients, and the coefficients of");
        writer.Line("/// <c>dx = p[j]·dy + q·(x - mean) + k</c>, stored as p[0..ChannelsPerGroup), q, k.");
        writer.Line("/// </summary>");
        writer.Line(Optimized);
        writer.Line($"private static void GradientCoefficients(int unit, {T}* totalA, {T}* totalB, {T}* w, {T}* mean, {T}* rstd, {T}* dwPartial, {T}* dbPartial, {T}* coefficients, {T}* work)");
        writer.Line("{");
        writer.Line("    int sample = unit / Groups, first = unit % Groups * ChannelsPerGroup;");
        writer.Line($"    {T} r = *rstd, sumG = 0, sumGX = 0;");
        writer.Line("    for (int j = 0; j < ChannelsPerGroup; j++)");
        writer.Line("    {");
        if (_affine)
        {
            writer.Line($"        {T} gamma = w[first + j];");
            writer.Line("        sumG += gamma * totalB[j];");
            writer.Line("        sumGX += gamma * totalA[j];");
            writer.Line("        coefficients[j] = r * gamma;");
            writer.Line("        if (dwPartial != null) dwPartial[(long)sample * Channels + first + j] = r * totalA[j];");
            writer.Line("        if (dbPartial != null) dbPartial[(long)sample * Channels + first + j] = totalB[j];");
        }
        else
        {
            writer.Line("        sumG += totalB[j];");
            writer.Line("        sumGX += totalA[j];");
            writer.Line("        coefficients[j] = r;");
        }

        writer.Line("    }");
        writer.Line();
        writer.Line("    coefficients[ChannelsPerGroup] = -(r * r) * (r * sumGX) / GroupLength;");
        writer.Line("    coefficients[ChannelsPerGroup + 1] = -r * sumG / GroupLength;");
        writer.Line("}");
        writer.Line();
        writer.Line("/// <summary>Writes the input gradient of elements [start, end) of a (sample, group).</summary>");
        writer.Line(Optimized);
        writer.Line($"private static void GradientInputRange({T}* dy, {T}* x, {T}* dx, int unit, int start, int end, {T}* mean, {T}* coefficients, bool stream)");
        writer.Line("{");
        writer.Line($"    {T} q = coefficients[ChannelsPerGroup], k = coefficients[ChannelsPerGroup + 1];");
        writer.Line("    for (int j = start / Spatial; j * Spatial < end; j++)");
        writer.Line("    {");
        writer.Line("        int from = global::System.Math.Max(start, j * Spatial), to = global::System.Math.Min(end, (j + 1) * Spatial);");
        writer.Line("        GradientInputRun(dy + from, x + from, dx + from, to - from, coefficients[j], *mean, q, k, stream);");
        writer.Line("    }");
        writer.Line("}");
    }

    private void WriteChannelsLastHelpers(CodeWriter writer)
    {
        writer.Line("/// <summary>Adds up the lanes of every group: <c>groups[g] = Σ slots[p]</c> over the lanes p of group g's channels.</summary>");
        writer.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        writer.Line($"private static void FoldToGroups({T}* slots, {T}* groups)");
        writer.Line("{");
        writer.Line("    for (int g = 0; g < Groups; g++)");
        writer.Line("    {");
        writer.Line($"        {T} sum = 0;");
        writer.Line("        for (int p = g * ChannelsPerGroup; p < Period; p += Channels)");
        writer.Line("        {");
        writer.Line("            for (int j = p; j < p + ChannelsPerGroup; j++) sum += slots[j];");
        writer.Line("        }");
        writer.Line();
        writer.Line("        groups[g] = sum;");
        writer.Line("    }");
        writer.Line("}");
        writer.Line();
        writer.Line("/// <summary>Adds up the lanes of every channel.</summary>");
        writer.Line(Optimized);
        writer.Line($"private static void FoldToChannels({T}* slots, {T}* channels)");
        writer.Line("{");
        writer.Line($"    new {ReadOnlySpan}<{T}>(slots, Channels).CopyTo(new {Span}<{T}>(channels, Channels));");
        writer.Line("    for (int p = Channels; p < Period; p += Channels)");
        writer.Line("    {");
        writer.Line("        for (int c = 0; c < Channels; c++) channels[c] += slots[p + c];");
        writer.Line("    }");
        writer.Line("}");
        writer.Line();
        writer.Line("/// <summary>Gives every lane its group's value.</summary>");
        writer.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        writer.Line($"private static void SpreadGroups({T}* groups, {T}* slots)");
        writer.Line("{");
        writer.Line("    for (int g = 0; g < Groups; g++)");
        writer.Line("    {");
        writer.Line($"        {T} value = groups[g];");
        writer.Line("        for (int p = g * ChannelsPerGroup; p < Period; p += Channels)");
        writer.Line("        {");
        writer.Line("            for (int j = p; j < p + ChannelsPerGroup; j++) slots[j] = value;");
        writer.Line("        }");
        writer.Line("    }");
        writer.Line("}");
        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// Per group, the mean and sum of squared deviations of one block of a sample: per-lane sums, merged by group,");
        writer.Line("/// then, over the block again while it is in L1, per-lane deviations from the group means, which also correct the");
        writer.Line("/// means' rounding error (the corrected two-pass algorithm).");
        writer.Line("/// </summary>");
        writer.Line(Optimized);
        writer.Line($"private static void BlockStatistics({T}* x, int block, {T}* mean, {T}* m2, {T}* work)");
        writer.Line("{");
        writer.Line("    int length = BlockSize(block);");
        writer.Line("    x += block * BlockLength;");
        writer.Line($"    {T}* sums = work, squares = work + Period, slotMean = work + 2 * Period, deviations = work + 3 * Period;");
        writer.Line("    PeriodicSums(x, length, sums);");
        writer.Line("    FoldToGroups(sums, mean);");
        writer.Line($"    {T} count = length / Channels * ChannelsPerGroup;");
        writer.Line("    for (int g = 0; g < Groups; g++) mean[g] /= count;");
        writer.Line("    SpreadGroups(mean, slotMean);");
        writer.Line("    PeriodicDeviations(x, length, slotMean, sums, squares);");
        writer.Line("    FoldToGroups(sums, deviations);");
        writer.Line("    FoldToGroups(squares, m2);");
        writer.Line("    for (int g = 0; g < Groups; g++)");
        writer.Line("    {");
        writer.Line($"        {T} shift = deviations[g] / count;");
        writer.Line("        mean[g] += shift;");
        writer.Line($"        {T} q = m2[g] - deviations[g] * shift;");
        writer.Line("        m2[g] = q < 0 ? 0 : q;");
        writer.Line("    }");
        writer.Line("}");
        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// Normalizes elements [start, end) of a sample; start is a multiple of Period. The lane coefficients are written");
        writer.Line("/// for two periods, so a loop may start at any lane (after a head that aligns its stores).");
        writer.Line("/// </summary>");
        writer.Line(Optimized);
        writer.Line($"private static void NormalizeRange({T}* x, {T}* y, int unit, int start, int end, {T}* mean, {T}* rstd, {T}* w, {T}* b, {T}* work, bool stream)");
        writer.Line("{");
        writer.Line($"    {T}* slotMean = work, slotScale = work + 2 * Period, slotShift = work + 4 * Period;");
        writer.Line("    for (int p = 0; p < 2 * Period; p++)");
        writer.Line("    {");
        writer.Line("        int c = p % Channels, g = c / ChannelsPerGroup;");
        writer.Line("        slotMean[p] = mean[g];");
        writer.Line($"        slotScale[p] = {ScaleOf("rstd[g]", "c")};");
        writer.Line(_affine ? "        slotShift[p] = b[c];" : "        slotShift[p] = 0;");
        writer.Line("    }");
        writer.Line();
        writer.Line("    PeriodicAffine(x + start, y + start, end - start, slotMean, slotScale, slotShift, stream);");
        writer.Line("}");
        writer.Line();
        writer.Line("/// <summary>Per channel of one block of a sample: Σ dy·(x - mean) and Σ dy.</summary>");
        writer.Line(Optimized);
        writer.Line($"private static void GradientSums({T}* dy, {T}* x, int block, {T}* mean, {T}* partialA, {T}* partialB, {T}* work)");
        writer.Line("{");
        writer.Line("    int start = block * BlockLength;");
        writer.Line($"    {T}* sumA = work, sumB = work + Period, slotMean = work + 2 * Period;");
        writer.Line("    SpreadGroups(mean, slotMean);");
        writer.Line("    PeriodicGradientSums(dy + start, x + start, BlockSize(block), slotMean, sumA, sumB);");
        writer.Line("    FoldToChannels(sumA, partialA);");
        writer.Line("    FoldToChannels(sumB, partialB);");
        writer.Line("}");
        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// From the channel sums of a sample: its parameter gradients, and per lane the coefficients of");
        writer.Line("/// <c>dx = p·dy + q·(x - mean) + k</c>, stored as two periods of lanes each of mean, p, q and k.");
        writer.Line("/// </summary>");
        writer.Line(Optimized);
        writer.Line($"private static void GradientCoefficients(int unit, {T}* totalA, {T}* totalB, {T}* w, {T}* mean, {T}* rstd, {T}* dwPartial, {T}* dbPartial, {T}* coefficients, {T}* work)");
        writer.Line("{");
        writer.Line($"    {T}* q = work, k = work + Groups;");
        writer.Line("    for (int g = 0; g < Groups; g++)");
        writer.Line("    {");
        writer.Line($"        {T} r = rstd[g], sumG = 0, sumGX = 0;");
        writer.Line("        for (int c = g * ChannelsPerGroup; c < (g + 1) * ChannelsPerGroup; c++)");
        writer.Line("        {");
        if (_affine)
        {
            writer.Line("            sumG += w[c] * totalB[c];");
            writer.Line("            sumGX += w[c] * totalA[c];");
            writer.Line("            if (dwPartial != null) dwPartial[(long)unit * Channels + c] = r * totalA[c];");
            writer.Line("            if (dbPartial != null) dbPartial[(long)unit * Channels + c] = totalB[c];");
        }
        else
        {
            writer.Line("            sumG += totalB[c];");
            writer.Line("            sumGX += totalA[c];");
        }

        writer.Line("        }");
        writer.Line();
        writer.Line("        q[g] = -(r * r) * (r * sumGX) / GroupLength;");
        writer.Line("        k[g] = -r * sumG / GroupLength;");
        writer.Line("    }");
        writer.Line();
        writer.Line("    for (int p = 0; p < 2 * Period; p++)");
        writer.Line("    {");
        writer.Line("        int c = p % Channels, g = c / ChannelsPerGroup;");
        writer.Line("        coefficients[p] = mean[g];");
        writer.Line($"        coefficients[2 * Period + p] = {ScaleOf("rstd[g]", "c")};");
        writer.Line("        coefficients[4 * Period + p] = q[g];");
        writer.Line("        coefficients[6 * Period + p] = k[g];");
        writer.Line("    }");
        writer.Line("}");
        writer.Line();
        writer.Line("/// <summary>Writes the input gradient of elements [start, end) of a sample; start is a multiple of Period.</summary>");
        writer.Line(Optimized);
        writer.Line($"private static void GradientInputRange({T}* dy, {T}* x, {T}* dx, int unit, int start, int end, {T}* mean, {T}* coefficients, bool stream)");
        writer.Line("    => PeriodicGradientInput(dy + start, x + start, dx + start, end - start, coefficients, coefficients + 2 * Period, coefficients + 4 * Period, coefficients + 6 * Period, stream);");
    }

    // ---------------------------------------------------------------- SIMD primitives

    private void WritePrimitives(CodeWriter writer)
    {
        var widths = VectorWidth.All.Select(w => Simd.Vector(w, _t)).Concat([Simd.Scalar(_t)]).ToList();
        WriteMulAdd(writer);
        if (_channelsLast)
        {
            WritePrimitive(writer, widths, "PeriodicSums", "Per lane of the period, the sum over the periods of a run (the run's elements past its whole periods included).",
                $"{T}* x, int length, {T}* acc", "Period", PeriodicSums);
            WritePrimitive(writer, widths, "PeriodicDeviations", "Per lane, the sums of d and d², d = x - m[lane].",
                $"{T}* x, int length, {T}* m, {T}* accD, {T}* accQ", "Period", PeriodicDeviations);
            WritePrimitive(writer, widths, "PeriodicAffine", "y = (x - m[lane])·a[lane] + b[lane].",
                $"{T}* x, {T}* y, int length, {T}* m, {T}* a, {T}* b, bool stream", "Period", PeriodicAffine);
            WritePrimitive(writer, widths, "PeriodicGradientSums", "Per lane, the sums of dy·(x - m[lane]) and dy.",
                $"{T}* dy, {T}* x, int length, {T}* m, {T}* accA, {T}* accB", "Period", PeriodicGradientSums);
            WritePrimitive(writer, widths, "PeriodicGradientInput", "dx = p[lane]·dy + q[lane]·(x - m[lane]) + k[lane].",
                $"{T}* dy, {T}* x, {T}* dx, int length, {T}* m, {T}* p, {T}* q, {T}* k, bool stream", "Period", PeriodicGradientInput);
        }
        else
        {
            WritePrimitive(writer, widths, "Moments", "The mean and the sum of squared deviations of a contiguous run, in one pass.",
                $"{T}* x, int length, out {T} mean, out {T} m2", "BlockLength", Moments);
            WritePrimitive(writer, widths, "AffineRun", "y = (x - mean)·scale + shift over a contiguous run.",
                $"{T}* x, {T}* y, int length, {T} mean, {T} scale, {T} shift, bool stream", "Spatial", AffineRun);
            WritePrimitive(writer, widths, "GradientSumsRun", "Σ dy·(x - mean) and Σ dy over a contiguous run.",
                $"{T}* dy, {T}* x, int length, {T} mean, out {T} dotDeviation, out {T} sum", "Spatial", GradientSumsRun);
            WritePrimitive(writer, widths, "GradientInputRun", "dx = p·dy + q·(x - mean) + k over a contiguous run.",
                $"{T}* dy, {T}* x, {T}* dx, int length, {T} p, {T} mean, {T} q, {T} k, bool stream", "Spatial", GradientInputRun);
        }
    }

    /// <summary>
    /// Writes <c>MulAdd(a, b, c) = a·b + c</c> for every width and for scalars: fused (one rounding) where the machine
    /// has FMA, and decided alike for every width and the scalar tails, so an element's result never depends on
    /// which of them computed it.
    /// </summary>
    private void WriteMulAdd(CodeWriter writer)
    {
        const string X86 = "global::System.Runtime.Intrinsics.X86";
        const string Arm = "global::System.Runtime.Intrinsics.Arm";
        string arm = _t.Size == 8 ? $"{Arm}.AdvSimd.Arm64" : $"{Arm}.AdvSimd";
        string math = _t.Size == 8 ? "global::System.Math" : "global::System.MathF";
        const string Inline = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";
        foreach (VectorWidth width in VectorWidth.All)
        {
            string vt = $"{width.Helper}<{T}>";
            string fused = width.Name switch
            {
                "Vector512" => $"{X86}.Avx512F.IsSupported ? {X86}.Avx512F.FusedMultiplyAdd(a, b, c) : a * b + c",
                "Vector256" => $"{X86}.Fma.IsSupported ? {X86}.Fma.MultiplyAdd(a, b, c) : a * b + c",
                _ => $"{X86}.Fma.IsSupported ? {X86}.Fma.MultiplyAdd(a, b, c) : {arm}.IsSupported ? {arm}.FusedMultiplyAdd(c, a, b) : a * b + c",
            };
            writer.Line();
            writer.Line(Inline);
            writer.Line($"private static {vt} MulAdd({vt} a, {vt} b, {vt} c) => {fused};");
        }

        writer.Line();
        writer.Line(Inline);
        writer.Line($"private static {T} MulAdd({T} a, {T} b, {T} c) => {X86}.Fma.IsSupported || {arm}.IsSupported ? {math}.FusedMultiplyAdd(a, b, c) : a * b + c;");
    }

    private void WritePrimitive(CodeWriter writer, List<Simd> widths, string name, string summary, string parameters, string hint, Action<CodeWriter, Simd> body)
    {
        string arguments = string.Join(", ", parameters.Split(',').Select(p => p.Trim()).Select(p => p.StartsWith("out ", StringComparison.Ordinal) ? "out " + p.Split(' ').Last() : p.Split(' ').Last()));
        writer.Line();
        writer.Line($"/// <summary>{summary}</summary>");
        writer.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        using (writer.Block($"private static void {name}({parameters})"))
        {
            string keyword = "if";
            foreach (Simd v in widths.Where(v => !v.IsScalar))
            {
                writer.Line($"{keyword} ({v.Helper}.IsHardwareAccelerated && {hint} >= {v.Lanes})");
                writer.Line("{");
                writer.Line($"    {name}{v.Name}({arguments});");
                writer.Line("}");
                keyword = "else if";
            }

            writer.Line("else");
            writer.Line("{");
            writer.Line($"    {name}Scalar({arguments});");
            writer.Line("}");
        }

        foreach (Simd v in widths)
        {
            writer.Line();
            writer.Line(Optimized);
            using (writer.Block($"private static void {name}{v.Name}({parameters})"))
            {
                var routine = new CodeWriter();
                body(routine, v);
                string text = routine.ToString();
                if (text.Contains("Lanes"))
                {
                    writer.Line($"const int Lanes = {v.Lanes};");
                }

                writer.Line(text.TrimEnd('\n'));
            }
        }
    }

    /// <summary>The sum of eight values as a balanced tree, so eight equal values sum exactly.</summary>
    private static string Tree8(Func<int, string> value) =>
        $"(({value(0)} + {value(1)}) + ({value(2)} + {value(3)})) + (({value(4)} + {value(5)}) + ({value(6)} + {value(7)}))";

    private static string SquaresTree8(Simd v) =>
        $"({v.MulAdd("d0", "d0", "d1 * d1")} + {v.MulAdd("d2", "d2", "d3 * d3")}) + ({v.MulAdd("d4", "d4", "d5 * d5")} + {v.MulAdd("d6", "d6", "d7 * d7")})";

    /// <summary>
    /// Writes one chunk of eight values per lane (loaded by <paramref name="load"/>): its mean and squared deviations,
    /// kept in registers, merged into the running per-lane <paramref name="mean"/> and <paramref name="m2"/> with Chan's
    /// formula (the share of the new chunk and the cross term are precomputed per chunk in <c>share</c> and <c>cross</c>).
    /// <paramref name="setMean"/> and <paramref name="setM2"/> write the statements that store the merged values.
    /// </summary>
    private void ChunkOfEight(CodeWriter w, Simd v, Func<int, string> load, string mean, string m2, Func<string, string> setMean, Func<string, string> setM2)
    {
        w.Line($"{v.Type} {string.Join(", ", Enumerable.Range(0, 8).Select(k => $"a{k} = {load(k)}"))};");
        w.Line($"{v.Type} cm = ({Tree8(k => $"a{k}")}) * {v.Splat(_t.Literal(0.125))};");
        w.Line($"{v.Type} {string.Join(", ", Enumerable.Range(0, 8).Select(k => $"d{k} = a{k} - cm"))};");
        w.Line($"{v.Type} delta = cm - {mean};");
        w.Line(setMean(v.MulAdd("delta", v.Splat("share"), mean)));
        w.Line(setM2(v.MulAdd("delta * delta", v.Splat("cross"), $"{m2} + ({SquaresTree8(v)})")));
    }

    /// <summary>Writes a chunk of <c>count</c> (fewer than eight) values per lane, with a corrected mean, merged like <c>ChunkOfEight</c>.</summary>
    private void ShortChunk(CodeWriter w, Simd v, Func<string, string> load, string mean, string m2, Func<string, string> setMean, Func<string, string> setM2)
    {
        w.Line($"{v.Type} sum = {v.Zero}, dsum = {v.Zero}, q = {v.Zero};");
        w.Line($"for (int t = 0; t < count; t++) sum += {load("t")};");
        w.Line($"{v.Type} cm = sum / {v.Splat($"({T})count")};");
        w.Line("for (int t = 0; t < count; t++)");
        w.Line("{");
        w.Line($"    {v.Type} d = {load("t")} - cm;");
        w.Line("    dsum += d;");
        w.Line($"    q = {v.MulAdd("d", "d", "q")};");
        w.Line("}");
        w.Line();
        w.Line($"{v.Type} shift = dsum / {v.Splat($"({T})count")};");
        w.Line("cm += shift;");
        w.Line("q -= dsum * shift;");
        w.Line($"{v.Type} delta = cm - {mean};");
        w.Line(setMean(v.MulAdd("delta", v.Splat("share"), mean)));
        w.Line(setM2(v.MulAdd("delta * delta", v.Splat("cross"), $"{m2} + q")));
    }

    private void Moments(CodeWriter w, Simd v)
    {
        string vt = v.Type;
        w.Line("// Per lane: chunks of eight vectors, each with its own mean and squared deviations (in registers),");
        w.Line("// merged into running per-lane statistics with Chan's formula. One pass over the data.");
        w.Line($"{vt} laneMean = {v.Zero}, laneM2 = {v.Zero};");
        w.Line("int chunks = length / (8 * Lanes), i = 0;");
        w.Line("for (int c = 0; c < chunks; c++, i += 8 * Lanes)");
        w.Line("{");
        w.Line($"    {T} share = 1 / ({T})(c + 1), cross = 8 * c * share;");
        var chunk = new CodeWriter();
        ChunkOfEight(chunk, v, k => v.Load("x", k == 0 ? "i" : $"i + {k} * Lanes"), "laneMean", "laneM2", value => $"laneMean = {value};", value => $"laneM2 = {value};");
        w.Line(Indent(chunk.ToString()));
        w.Line("}");
        w.Line();
        w.Line($"{T} laneCount = 8 * chunks;");
        w.Line("int count = (length - i) / Lanes;");
        w.Line("if (count > 0)");
        w.Line("{");
        w.Line($"    {T} share = count / (laneCount + count), cross = laneCount * share;");
        var tail = new CodeWriter();
        ShortChunk(tail, v, t => v.Load("x", $"i + {t} * Lanes"), "laneMean", "laneM2", value => $"laneMean = {value};", value => $"laneM2 = {value};");
        w.Line(Indent(tail.ToString()));
        w.Line("    laneCount += count;");
        w.Line("    i += count * Lanes;");
        w.Line("}");
        w.Line();
        if (v.IsScalar)
        {
            w.Line($"{T} mu = laneMean, squares = laneM2;");
        }
        else
        {
            w.Line("// The lanes have equal counts: the mean of their means (corrected), and the spread of their means.");
            w.Line($"{T} mu = {v.Sum("laneMean")} / Lanes;");
            w.Line($"{vt} spread = laneMean - {v.Splat("mu")};");
            w.Line($"{T} deviations = {v.Sum("spread")};");
            w.Line("mu += deviations / Lanes;");
            w.Line($"{T} squares = {v.Sum("laneM2")} + laneCount * ({v.Sum("spread * spread")} - deviations * (deviations / Lanes));");
            w.Line();
            w.Line("// The last elements, fewer than a vector: their own corrected two-pass, merged.");
            w.Line("int rest = length - i;");
            w.Line("if (rest > 0)");
            w.Line("{");
            w.Line($"    {T} restSum = 0, restDeviations = 0, restSquares = 0;");
            w.Line("    for (int t = i; t < length; t++) restSum += x[t];");
            w.Line($"    {T} restMean = restSum / rest;");
            w.Line($"    for (int t = i; t < length; t++) {{ {T} d = x[t] - restMean; restDeviations += d; restSquares = MulAdd(d, d, restSquares); }}");
            w.Line($"    {T} restShift = restDeviations / rest;");
            w.Line("    restMean += restShift;");
            w.Line("    restSquares -= restDeviations * restShift;");
            w.Line($"    {T} before = laneCount * Lanes, share = rest / (before + rest), delta = restMean - mu;");
            w.Line("    mu = MulAdd(delta, share, mu);");
            w.Line("    squares = MulAdd(delta * delta, before * share, squares + restSquares);");
            w.Line("}");
        }

        w.Line();
        w.Line("mean = mu;");
        w.Line("m2 = squares < 0 ? 0 : squares;");
    }

    private void AffineRun(CodeWriter w, Simd v)
    {
        w.Line($"{v.Type} m = {v.Splat("mean")}, a = {v.Splat("scale")}, b = {v.Splat("shift")};");
        w.Line("int i = 0;");
        if (!v.IsScalar)
        {
            WriteStreamingHead(w, v, "y", "y[i] = MulAdd(x[i] - mean, scale, shift);");
            w.Line($"    for (; i <= length - Lanes; i += Lanes) {v.StoreStreaming(v.MulAdd($"{v.Load("x", "i")} - m", "a", "b"), "y", "i")}");
            w.Line("}");
            w.Line("else");
            w.Line("{");
        }

        string indent = v.IsScalar ? "" : "    ";
        w.Line($"{indent}for (; i <= length - 2 * Lanes; i += 2 * Lanes)");
        w.Line($"{indent}{{");
        w.Line($"{indent}    {v.Type} y0 = {v.MulAdd($"{v.Load("x", "i")} - m", "a", "b")}, y1 = {v.MulAdd($"{v.Load("x", "i + Lanes")} - m", "a", "b")};");
        w.Line($"{indent}    {v.Store("y0", "y", "i")}");
        w.Line($"{indent}    {v.Store("y1", "y", "i + Lanes")}");
        w.Line($"{indent}}}");
        w.Line();
        w.Line($"{indent}for (; i <= length - Lanes; i += Lanes) {v.Store(v.MulAdd($"{v.Load("x", "i")} - m", "a", "b"), "y", "i")}");
        if (!v.IsScalar)
        {
            w.Line("}");
            w.Line();
            w.Line("for (; i < length; i++) y[i] = MulAdd(x[i] - mean, scale, shift);");
        }
    }

    /// <summary>
    /// Opens the streaming branch of an elementwise loop: with <c>stream</c> set, elements one by one up to the first
    /// vector-aligned element of <paramref name="output"/>, after which the caller's loop stores aligned, non-temporally.
    /// </summary>
    private void WriteStreamingHead(CodeWriter w, Simd v, string output, string scalar)
    {
        string mask = Int(v.Bytes - 1);
        w.Line("if (stream)");
        w.Line("{");
        w.Line($"    int head = (int)((({Int(v.Bytes)} - ((nuint){output} & {mask})) & {mask}) / sizeof({T}));");
        w.Line("    if (head > length) head = length;");
        w.Line($"    for (; i < head; i++) {scalar}");
    }

    private void GradientSumsRun(CodeWriter w, Simd v)
    {
        string vt = v.Type;
        w.Line("// Four independent pairs of accumulators, so the multiply-add latency does not bound the loop.");
        w.Line($"{vt} m = {v.Splat("mean")}, a0 = {v.Zero}, a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;");
        w.Line("int i = 0;");
        w.Line("for (; i <= length - 4 * Lanes; i += 4 * Lanes)");
        w.Line("{");
        w.Line($"    {vt} g0 = {v.Load("dy", "i")}, g1 = {v.Load("dy", "i + Lanes")}, g2 = {v.Load("dy", "i + 2 * Lanes")}, g3 = {v.Load("dy", "i + 3 * Lanes")};");
        w.Line($"    a0 = {v.MulAdd("g0", $"{v.Load("x", "i")} - m", "a0")};");
        w.Line($"    a1 = {v.MulAdd("g1", $"{v.Load("x", "i + Lanes")} - m", "a1")};");
        w.Line($"    a2 = {v.MulAdd("g2", $"{v.Load("x", "i + 2 * Lanes")} - m", "a2")};");
        w.Line($"    a3 = {v.MulAdd("g3", $"{v.Load("x", "i + 3 * Lanes")} - m", "a3")};");
        w.Line("    b0 += g0;");
        w.Line("    b1 += g1;");
        w.Line("    b2 += g2;");
        w.Line("    b3 += g3;");
        w.Line("}");
        w.Line();
        w.Line("for (; i <= length - Lanes; i += Lanes)");
        w.Line("{");
        w.Line($"    {vt} g0 = {v.Load("dy", "i")};");
        w.Line($"    a0 = {v.MulAdd("g0", $"{v.Load("x", "i")} - m", "a0")};");
        w.Line("    b0 += g0;");
        w.Line("}");
        w.Line();
        w.Line($"dotDeviation = {v.Sum("(a0 + a1) + (a2 + a3)")};");
        w.Line($"sum = {v.Sum("(b0 + b1) + (b2 + b3)")};");
        if (!v.IsScalar)
        {
            w.Line("for (; i < length; i++) { dotDeviation = MulAdd(dy[i], x[i] - mean, dotDeviation); sum += dy[i]; }");
        }
    }

    private void GradientInputRun(CodeWriter w, Simd v)
    {
        string scalar = "dx[i] = MulAdd(p, dy[i], MulAdd(q, x[i] - mean, k));";
        string vector = v.MulAdd("vp", v.Load("dy", "i"), v.MulAdd("vq", $"{v.Load("x", "i")} - vm", "vk"));
        w.Line($"{v.Type} vp = {v.Splat("p")}, vm = {v.Splat("mean")}, vq = {v.Splat("q")}, vk = {v.Splat("k")};");
        w.Line("int i = 0;");
        if (v.IsScalar)
        {
            w.Line($"for (; i <= length - Lanes; i += Lanes) {v.Store(vector, "dx", "i")}");
            return;
        }

        WriteStreamingHead(w, v, "dx", scalar);
        w.Line($"    for (; i <= length - Lanes; i += Lanes) {v.StoreStreaming(vector, "dx", "i")}");
        w.Line("}");
        w.Line("else");
        w.Line("{");
        w.Line($"    for (; i <= length - Lanes; i += Lanes) {v.Store(vector, "dx", "i")}");
        w.Line("}");
        w.Line();
        w.Line($"for (; i < length; i++) {scalar}");
    }

    /// <summary>The lanes of a period that whole vectors do not cover, handled one by one (only with the fallback period).</summary>
    private int PeriodTail(Simd v) => v.IsScalar ? 0 : _period % v.Lanes;

    private void PeriodLoop(CodeWriter w, Simd v, Action<CodeWriter, Simd, string> step)
    {
        w.Line("for (int j = 0; j <= Period - Lanes; j += Lanes)");
        w.Line("{");
        var inner = new CodeWriter();
        step(inner, v, "j");
        w.Line(Indent(inner.ToString()));
        w.Line("}");
        if (PeriodTail(v) > 0)
        {
            w.Line();
            w.Line("for (int j = Period - Period % Lanes; j < Period; j++)");
            w.Line("{");
            var tail = new CodeWriter();
            step(tail, Simd.Scalar(_t), "j");
            w.Line(Indent(tail.ToString()));
            w.Line("}");
        }
    }

    private static string Indent(string text) => string.Join("\n", text.TrimEnd('\n').Split('\n').Select(l => l.Length == 0 ? l : "    " + l));

    /// <summary>
    /// Whether a period's vectors of <paramref name="arrays"/> lane arrays and <paramref name="accumulators"/> accumulator
    /// arrays (repeated for the unrolled periods) fit in vector registers, so the loop over the periods keeps them there
    /// instead of reloading them (the stores to the output could alias them, so the JIT would not hoist the loads).
    /// </summary>
    private bool InRegisters(Simd v, int arrays, int accumulators = 0)
    {
        if (v.IsScalar || _period % v.Lanes != 0)
        {
            return false;
        }

        int vectors = _period / v.Lanes;
        int registers = v.Lanes * _t.Size == 64 ? 26 : 13;
        return vectors * (arrays + accumulators * Unroll(v)) <= registers;
    }

    /// <summary>Periods handled per iteration by register accumulators, so that at least four add chains run at once.</summary>
    private int Unroll(Simd v)
    {
        int vectors = _period / v.Lanes;
        return vectors >= 4 ? 1 : vectors >= 2 ? 2 : 4;
    }

    private static string Offset(int vector, int period) => (vector, period) switch
    {
        (0, 0) => "0",
        (_, 0) => $"{vector} * Lanes",
        (0, 1) => "Period",
        (0, _) => $"{period} * Period",
        (_, 1) => $"Period + {vector} * Lanes",
        _ => $"{period} * Period + {vector} * Lanes",
    };

    /// <summary>
    /// Writes a sum over the periods of a run into <paramref name="accumulators"/> (lane arrays, overwritten), with
    /// <paramref name="coefficients"/> lane arrays read alongside; <paramref name="terms"/> gives, for a period index
    /// expression and a way to load a lane array, the value added to each accumulator. Register-resident when it fits.
    /// </summary>
    private void PeriodicReduction(CodeWriter w, Simd v, string[] pointers, string[] coefficients, string[] accumulators,
        Func<Func<string, string>, string, (string? Let, Func<string, string>[] Updates)> terms, string scalarTail)
    {
        string advance = string.Concat(pointers.Select(p => $", {p} += Period"));
        string advanceBy(int n) => string.Concat(pointers.Select(p => $", {p} += {n} * Period"));
        if (InRegisters(v, coefficients.Length, accumulators.Length))
        {
            int vectors = _period / v.Lanes, unroll = Unroll(v);
            w.Line("// The period's coefficients and accumulators stay in registers.");
            foreach (string c in coefficients)
            {
                w.Line($"{v.Type} {string.Join(", ", Enumerable.Range(0, vectors).Select(k => $"{c}{k} = {v.Load(c, Offset(k, 0))}"))};");
            }

            foreach (string a in accumulators)
            {
                w.Line($"{v.Type} {string.Join(", ", Enumerable.Range(0, vectors * unroll).Select(k => $"{a}{k} = {v.Zero}"))};");
            }

            w.Line("int periods = length / Period, r = 0;");
            w.Line($"for (; r <= periods - {unroll}; r += {unroll}{advanceBy(unroll)})");
            w.Line("{");
            for (int u = 0; u < unroll; u++)
            {
                for (int k = 0; k < vectors; k++)
                {
                    int kk = k, uu = u;
                    (string? let, Func<string, string>[] updates) = terms(array => coefficients.Contains(array) ? $"{array}{kk}" : v.Load(array, Offset(kk, uu)), $"{u * vectors + k}");
                    if (let is not null)
                    {
                        w.Line($"    {v.Type} {let};");
                    }

                    for (int a = 0; a < accumulators.Length; a++)
                    {
                        string accumulator = $"{accumulators[a]}{u * vectors + k}";
                        w.Line($"    {accumulator} = {updates[a](accumulator)};");
                    }
                }
            }

            w.Line("}");
            if (unroll > 1)
            {
                w.Line();
                w.Line($"for (; r < periods; r++{advance})");
                w.Line("{");
                for (int k = 0; k < vectors; k++)
                {
                    int kk = k;
                    (string? let, Func<string, string>[] updates) = terms(array => coefficients.Contains(array) ? $"{array}{kk}" : v.Load(array, Offset(kk, 0)), $"{k}");
                    if (let is not null)
                    {
                        w.Line($"    {v.Type} {let};");
                    }

                    for (int a = 0; a < accumulators.Length; a++)
                    {
                        string accumulator = $"{accumulators[a]}{k}";
                        w.Line($"    {accumulator} = {updates[a](accumulator)};");
                    }
                }

                w.Line("}");
            }

            w.Line();
            foreach (string a in accumulators)
            {
                for (int k = 0; k < vectors; k++)
                {
                    string sum = string.Join(" + ", Enumerable.Range(0, unroll).Select(u => $"{a}{u * vectors + k}"));
                    w.Line(v.Store(unroll > 1 ? $"({sum})" : sum, a, Offset(k, 0)));
                }
            }
        }
        else
        {
            foreach (string a in accumulators)
            {
                w.Line($"new {Span}<{T}>({a}, Period).Clear();");
            }

            w.Line("int periods = length / Period;");
            w.Line($"for (int r = 0; r < periods; r++{advance})");
            w.Line("{");
            var body = new CodeWriter();
            PeriodLoop(body, v, (c, s, j) =>
            {
                (string? let, Func<string, string>[] updates) = terms(array => s.Load(array, j), "");
                if (let is not null)
                {
                    c.Line($"{s.Type} {let};");
                }

                for (int a = 0; a < accumulators.Length; a++)
                {
                    c.Line(s.Store(updates[a](s.Load(accumulators[a], j)), accumulators[a], j));
                }
            });
            w.Line(Indent(body.ToString()));
            w.Line("}");
        }

        w.Line();
        w.Line("// Elements past the whole periods: the first lanes of one more period.");
        w.Line($"for (int j = 0; j < length - periods * Period; j++) {{ {scalarTail} }}");
    }

    /// <summary>Writes an element-wise map over the periods of a run, with lane arrays kept in registers when they fit.</summary>
    private void PeriodicMap(CodeWriter w, Simd v, string[] pointers, string[] coefficients, string output, Func<Func<string, string>, string> value, string scalarTail)
    {
        if (!v.IsScalar && _period % v.Lanes == 0)
        {
            string mask = Int(v.Bytes - 1);
            w.Line("if (stream)");
            w.Line("{");
            w.Line("    // Elements one by one up to the first vector-aligned output element, then the same loop from there with");
            w.Line("    // aligned non-temporal stores: the coefficient rows hold two periods, so they can start at any lane.");
            w.Line($"    int head = (int)((({Int(v.Bytes)} - ((nuint){output} & {mask})) & {mask}) / sizeof({T}));");
            w.Line("    if (head > length) head = length;");
            w.Line($"    for (int j = 0; j < head; j++) {scalarTail}");
            w.Line($"    {string.Join(" ", pointers.Concat(coefficients).Select(p => $"{p} += head;"))}");
            w.Line("    length -= head;");
            var streaming = new CodeWriter();
            PeriodicMapLoops(streaming, v, pointers, coefficients, output, value, scalarTail, stream: true);
            w.Line(Indent(streaming.ToString()));
            w.Line("}");
            w.Line("else");
            w.Line("{");
            var plain = new CodeWriter();
            PeriodicMapLoops(plain, v, pointers, coefficients, output, value, scalarTail, stream: false);
            w.Line(Indent(plain.ToString()));
            w.Line("}");
            return;
        }

        PeriodicMapLoops(w, v, pointers, coefficients, output, value, scalarTail, stream: false);
    }

    private void PeriodicMapLoops(CodeWriter w, Simd v, string[] pointers, string[] coefficients, string output, Func<Func<string, string>, string> value, string scalarTail, bool stream)
    {
        string Store(Simd s, string vector, string index) => stream && !s.IsScalar ? s.StoreStreaming(vector, output, index) : s.Store(vector, output, index);
        string advance = string.Concat(pointers.Select(p => $", {p} += Period"));
        w.Line("int periods = length / Period;");
        if (InRegisters(v, coefficients.Length))
        {
            int vectors = _period / v.Lanes;
            w.Line("// The period's coefficients stay in registers.");
            foreach (string c in coefficients)
            {
                w.Line($"{v.Type} {string.Join(", ", Enumerable.Range(0, vectors).Select(k => $"{c}{k} = {v.Load(c, Offset(k, 0))}"))};");
            }

            w.Line($"for (int r = 0; r < periods; r++{advance})");
            w.Line("{");
            for (int k = 0; k < vectors; k++)
            {
                int kk = k;
                w.Line("    " + Store(v, value(array => coefficients.Contains(array) ? $"{array}{kk}" : v.Load(array, Offset(kk, 0))), Offset(k, 0)));
            }

            w.Line("}");
        }
        else
        {
            w.Line($"for (int r = 0; r < periods; r++{advance})");
            w.Line("{");
            var body = new CodeWriter();
            PeriodLoop(body, v, (c, s, j) => c.Line(Store(s, value(array => s.Load(array, j)), j)));
            w.Line(Indent(body.ToString()));
            w.Line("}");
        }

        w.Line();
        w.Line($"for (int j = 0; j < length - periods * Period; j++) {scalarTail}");
    }

    private void PeriodicSums(CodeWriter w, Simd v) =>
        PeriodicReduction(w, v, ["x"], [], ["acc"], (load, _) => (null, [acc => $"{acc} + {load("x")}"]), "acc[j] += x[j];");

    private void PeriodicDeviations(CodeWriter w, Simd v) =>
        PeriodicReduction(w, v, ["x"], ["m"], ["accD", "accQ"],
            (load, id) => ($"d{id} = {load("x")} - {load("m")}", [acc => $"{acc} + d{id}", acc => v.MulAdd($"d{id}", $"d{id}", acc)]),
            $"{T} d0 = x[j] - m[j]; accD[j] += d0; accQ[j] = MulAdd(d0, d0, accQ[j]);");

    private void PeriodicAffine(CodeWriter w, Simd v) =>
        PeriodicMap(w, v, ["x", "y"], ["m", "a", "b"], "y",
            load => v.MulAdd($"{load("x")} - {load("m")}", load("a"), load("b")),
            "y[j] = MulAdd(x[j] - m[j], a[j], b[j]);");

    private void PeriodicGradientSums(CodeWriter w, Simd v) =>
        PeriodicReduction(w, v, ["dy", "x"], ["m"], ["accA", "accB"],
            (load, id) => ($"g{id} = {load("dy")}", [acc => v.MulAdd($"g{id}", $"{load("x")} - {load("m")}", acc), acc => $"{acc} + g{id}"]),
            "accA[j] = MulAdd(dy[j], x[j] - m[j], accA[j]); accB[j] += dy[j];");

    private void PeriodicGradientInput(CodeWriter w, Simd v) =>
        PeriodicMap(w, v, ["dy", "x", "dx"], ["m", "p", "q", "k"], "dx",
            load => v.MulAdd(load("p"), load("dy"), v.MulAdd(load("q"), $"{load("x")} - {load("m")}", load("k"))),
            "dx[j] = MulAdd(p[j], dy[j], MulAdd(q[j], x[j] - m[j], k[j]));");

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>One SIMD width, or scalar code, as the primitives spell it.</summary>
    private sealed class Simd
    {
        private Simd(string name, string type, string? helper, int lanes)
        {
            Name = name;
            Type = type;
            Helper = helper;
            Lanes = lanes;
        }

        public string Name { get; }

        public string Type { get; }

        public string? Helper { get; }

        public int Lanes { get; }

        public bool IsScalar => Helper is null;

        public string Zero => IsScalar ? "0" : $"{Type}.Zero";

        public int Bytes => Lanes * (Type.EndsWith("<double>", StringComparison.Ordinal) || Type == "double" ? 8 : 4);

        public static Simd Vector(VectorWidth width, ElementTypeInfo element) =>
            new(width.Name, $"{width.Helper}<{element.Keyword}>", width.Helper, width.Lanes(element));

        public static Simd Scalar(ElementTypeInfo element) => new("Scalar", element.Keyword, null, 1);

        public string Load(string pointer, string index) => IsScalar ? $"{pointer}[{index}]" : $"{Helper}.Load({pointer} + {index})";

        public string Store(string value, string pointer, string index) =>
            IsScalar ? $"{pointer}[{index}] = {value};" : $"{Helper}.Store({value}, {pointer} + {index});";

        public string Splat(string scalar) => IsScalar ? scalar : $"{Helper}.Create({scalar})";

        /// <summary>An aligned store that bypasses the cache (the address must be a multiple of the vector size).</summary>
        public string StoreStreaming(string value, string pointer, string index) => $"{Helper}.StoreAlignedNonTemporal({value}, {pointer} + {index});";

        public string Sum(string vector) => IsScalar ? vector : $"{Helper}.Sum({vector})";

        /// <summary><c>a·b + c</c>, fused where the machine has FMA (see the emitted <c>MulAdd</c> overloads).</summary>
        public string MulAdd(string a, string b, string c) => $"MulAdd({a}, {b}, {c})";
    }
}
