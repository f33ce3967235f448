using System;
using System.Collections.Generic;
using System.Linq;
using NormGen.Generators.Helpers;

namespace NormGen.Generators.Emitting;

/// <summary>The kernel structs the scheduler runs: one set per memory arrangement.</summary>
internal sealed partial class BatchNormEmitter
{
    /// <summary>A struct of pinned pointers and scalars that a kernel runs on; creation fills unnamed fields with null or zero.</summary>
    private sealed class KernelStruct
    {
        private readonly List<(string Type, string Name)> _fields;

        public KernelStruct(string name, List<(string Type, string Name)> fields)
        {
            Name = name;
            _fields = fields;
        }

        public string Name { get; }

        public string New(Dictionary<string, string> arguments) =>
            $"new {Name}({string.Join(", ", _fields.Select(f => arguments.TryGetValue(f.Name, out string? value) ? value : Default(f.Type)))})";

        public void WriteFieldsAndConstructor(CodeWriter writer)
        {
            foreach ((string type, string name) in _fields)
            {
                writer.Line($"private readonly {type} _{name};");
            }

            writer.Line();
            writer.Line($"public {Name}({string.Join(", ", _fields.Select(f => $"{f.Type} {f.Name}"))})");
            writer.Line("{");
            foreach ((_, string name) in _fields)
            {
                writer.Line($"    _{name} = {name};");
            }

            writer.Line("}");
        }

        private static string Default(string type) => type switch
        {
            "bool" => "false",
            "int" or "long" or "double" => "0",
            _ => "null",
        };
    }

    private void WriteKernels(CodeWriter writer)
    {
        WriteBatchMoments(writer);
        WriteRunBackward(writer);
        if (ByPosition)
        {
            WriteStatisticsBlocks(writer);
            WriteAffineRowsByPosition(writer);
            WriteGradientSumBlocks(writer);
        }
        else
        {
            WriteMerge(writer);
            WriteStatisticsBlocksByChannel(writer);
            WriteAffineRowsByChannel(writer);
            WriteGradientSumBlocksByChannel(writer);
        }

        WriteInputGradientRows(writer);
    }

    /// <summary>
    /// The rows a reduction splits into blocks, as <c>ReductionPlan.For</c> arguments: positions of <c>Channels</c>
    /// elements, or (sample, channel) runs of <c>Spatial</c> elements. Blocks read contiguous memory in order.
    /// </summary>
    private string ReductionRows => ByPosition ? "batch * Spatial, Channels" : "batch * Channels, Spatial";

    private string ReductionRowLength => ByPosition ? "Channels" : "Spatial";

    /// <summary>The row count and row length an elementwise pass hands the scheduler.</summary>
    private string ElementwiseRows => ByPosition ? "batch * Spatial, Channels" : "batch * Channels, Spatial";

    // ---------------------------------------------------------------- segments and scratch

    /// <summary>
    /// Writes <paramref name="body"/> inside scratch buffers of <see cref="SegmentElements"/> elements each (plus
    /// <paramref name="extra"/> elements first), rented once per call so that rows never allocate.
    /// </summary>
    private void WithScratch(CodeWriter writer, IReadOnlyList<string> buffers, string? extra, string? extraName, Action body)
    {
        if (buffers.Count == 0 && extra is null)
        {
            body();
            return;
        }

        string size = buffers.Count == 0 ? extra! : $"{(extra is null ? "" : extra + " + ")}{buffers.Count} * {SegmentElementsExpression}";
        writer.Line($"{A}[] scratch = global::System.Buffers.ArrayPool<{A}>.Shared.Rent({size});");
        using (writer.Block("try"))
        {
            using (writer.Block($"fixed ({A}* buffer = scratch)"))
            {
                var declarations = new List<string>();
                string offset = "";
                if (extra is not null)
                {
                    declarations.Add($"{extraName} = buffer");
                    offset = extra;
                }

                foreach (string name in buffers)
                {
                    declarations.Add(offset.Length == 0 ? $"{name} = buffer" : $"{name} = buffer + {offset}");
                    offset = offset.Length == 0 ? SegmentElementsExpression : $"{offset} + {SegmentElementsExpression}";
                }

                writer.Line($"{A}* {string.Join(", ", declarations)};");
                body();
            }
        }

        using (writer.Block("finally"))
        {
            writer.Line($"global::System.Buffers.ArrayPool<{A}>.Shared.Return(scratch);");
        }
    }

    private string SegmentElementsExpression => ByPosition ? "ChunkRows * Channels" : "SegmentLength";

    /// <summary>Scratch a forward kernel needs: Half segments are converted to float.</summary>
    private List<string> ForwardBuffers() => IsHalf ? new List<string> { "xBuffer" } : new List<string>();

    /// <summary>Scratch a backward kernel needs: float x (Half), dz (Half or activation) and the recomputed pre-activation.</summary>
    private List<string> BackwardBuffers()
    {
        var buffers = new List<string>();
        if (IsHalf)
        {
            buffers.Add("xBuffer");
        }

        if (IsHalf || HasActivation)
        {
            buffers.Add("dzBuffer");
        }

        if (HasActivation)
        {
            buffers.Add("zBuffer");
        }

        return buffers;
    }

    /// <summary>
    /// Channels-first: loops over the batch's runs of channel <c>c</c> (or over one run, for a row kernel),
    /// in segments: <c>o</c> is the segment's offset, <c>length</c> its element count.
    /// </summary>
    private void ForEachSegment(CodeWriter writer, string rowStart, Action body)
    {
        if (Spatial <= SegmentLength)
        {
            writer.Line($"long o = {rowStart};");
            writer.Line("const int length = Spatial;");
            body();
            return;
        }

        using (writer.Block("for (int s = 0; s < Spatial; s += SegmentLength)"))
        {
            writer.Line($"long o = {rowStart} + s;");
            writer.Line("int length = Spatial - s < SegmentLength ? Spatial - s : SegmentLength;");
            body();
        }
    }

    /// <summary>Channels-last: loops over a range of positions in chunks: <c>rows</c> positions at offset <c>o</c>, <c>length</c> elements.</summary>
    private static void ForEachChunk(CodeWriter writer, Action body)
    {
        using (writer.Block("for (int first = firstRow; first < firstRow + rowCount; first += ChunkRows)"))
        {
            writer.Line("int rows = firstRow + rowCount - first < ChunkRows ? firstRow + rowCount - first : ChunkRows;");
            writer.Line("long o = (long)first * Channels;");
            writer.Line("int length = rows * Channels;");
            body();
        }
    }

    /// <summary>Makes <c>xs</c> point at the segment of x as float/double.</summary>
    private void LoadX(CodeWriter writer)
    {
        if (IsHalf)
        {
            writer.Line($"{Runtime}.HalfConversion.ToSingle(new {ReadOnlySpan}<global::System.Half>(_x + o, length), new {Span}<float>(xBuffer, length));");
            writer.Line("float* xs = xBuffer;");
        }
        else
        {
            writer.Line($"{A}* xs = _x + o;");
        }
    }

    /// <summary>Makes <c>dz</c> point at the segment's gradient with respect to the pre-activation (dy itself without activation).</summary>
    private void LoadDz(CodeWriter writer, string recomputeZ)
    {
        if (!HasActivation && !IsHalf)
        {
            writer.Line($"{A}* dz = _dy + o;");
            return;
        }

        if (IsHalf)
        {
            writer.Line($"{Runtime}.HalfConversion.ToSingle(new {ReadOnlySpan}<global::System.Half>(_dy + o, length), new {Span}<float>(dzBuffer, length));");
        }
        else
        {
            writer.Line($"new {ReadOnlySpan}<{A}>(_dy + o, length).CopyTo(new {Span}<{A}>(dzBuffer, length));");
        }

        if (HasActivation)
        {
            writer.Line(recomputeZ);
            writer.Line($"{Runtime}.Activations.{ActivationName}Backward(new {ReadOnlySpan}<{A}>(zBuffer, length), new {Span}<{A}>(dzBuffer, length));");
        }

        writer.Line($"{A}* dz = dzBuffer;");
    }

    /// <summary>Writes the segment of the output: normalized (into place or scratch), activated, converted.</summary>
    private void StoreOutput(CodeWriter writer, Func<string, string> normalizeInto)
    {
        string target = IsHalf ? "xBuffer" : "_y + o";
        writer.Line(normalizeInto(target));
        if (HasActivation)
        {
            writer.Line($"{Runtime}.Activations.{ActivationName}(new {ReadOnlySpan}<{A}>({target}, length), new {Span}<{A}>({target}, length));");
        }

        if (IsHalf)
        {
            writer.Line($"{Runtime}.HalfConversion.ToHalf(new {ReadOnlySpan}<float>(xBuffer, length), new {Span}<global::System.Half>(_y + o, length));");
        }
    }

    private string DxTarget => IsHalf ? "dzBuffer" : "_dx + o";

    private void StoreDx(CodeWriter writer)
    {
        if (IsHalf)
        {
            writer.Line($"{Runtime}.HalfConversion.ToHalf(new {ReadOnlySpan}<float>(dzBuffer, length), new {Span}<global::System.Half>(_dx + o, length));");
        }
    }

    // ---------------------------------------------------------------- channels-first

    private void WriteMerge(CodeWriter writer)
    {
        writer.Line();
        writer.Line("/// <summary>The number of runs of channel <paramref name=\"c\"/> among runs 0 to <paramref name=\"row\"/> - 1.</summary>");
        writer.Line(Inline);
        writer.Line("private static long RunsBefore(int row, int c) => ((long)row + Channels - 1 - c) / Channels;");
        writer.Line();
        writer.Line("/// <summary>Merges a segment's (count, mean, M2) into a channel's with Chan's formula; the weights are formed in double.</summary>");
        writer.Line(Inline);
        using (writer.Block($"private static long Merge(long count, ref {A} mean, ref {A} m2, long otherCount, {A} otherMean, {A} otherM2)"))
        {
            writer.Line("long total = count + otherCount;");
            writer.Line("double share = (double)otherCount / total;");
            writer.Line($"{A} delta = otherMean - mean;");
            writer.Line($"mean += delta * ({A})share;");
            writer.Line($"m2 += otherM2 + delta * delta * ({A})(count * share);");
            writer.Line("return total;");
        }
    }

    private void WriteStatisticsBlocksByChannel(CodeWriter writer)
    {
        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// One block of (sample, channel) runs' per-channel (mean, M2), read in memory order: run by run, segment by segment, each");
        writer.Line("/// merged into its channel's with Chan's formula.");
        writer.Line("/// </summary>");
        using (writer.Block($"private readonly struct StatisticsBlocks : {Runtime}.IRowBlockKernel"))
        {
            new KernelStruct("StatisticsBlocks", new List<(string, string)> { ($"{T}*", "x"), ($"{A}*", "means"), ($"{A}*", "m2s") })
                .WriteFieldsAndConstructor(writer);
            writer.Line();
            writer.Line(Optimized);
            using (writer.Block("public void Execute(int block, int firstRow, int rowCount)"))
            {
                writer.Line($"{A}* mean = _means + (long)block * Channels, m2 = _m2s + (long)block * Channels;");
                writer.Line($"new {Span}<{A}>(mean, Channels).Clear();");
                writer.Line($"new {Span}<{A}>(m2, Channels).Clear();");
                WithScratch(writer, ForwardBuffers(), null, null, () =>
                {
                    using (writer.Block("for (int row = firstRow; row < firstRow + rowCount; row++)"))
                    {
                        writer.Line("int c = row % Channels;");
                        writer.Line("long count = (RunsBefore(row, c) - RunsBefore(firstRow, c)) * Spatial;");
                        ForEachSegment(writer, "(long)row * Spatial", () =>
                        {
                            LoadX(writer);
                            writer.Line($"Moments(xs, length, out {A} segmentMean, out {A} segmentM2);");
                            writer.Line("count = Merge(count, ref mean[c], ref m2[c], length, segmentMean, segmentM2);");
                        });
                    }
                });
            }
        }
    }

    private void WriteGradientSumBlocksByChannel(CodeWriter writer)
    {
        writer.Line();
        writer.Line("/// <summary>One block of (sample, channel) runs' per-channel Σdz and Σdz·(x - mean), read in memory order, into the block's own partial rows.</summary>");
        using (writer.Block($"private readonly struct GradientSumBlocks : {Runtime}.IRowBlockKernel"))
        {
            new KernelStruct("GradientSumBlocks", new List<(string, string)>
            {
                ($"{T}*", "dy"), ($"{T}*", "x"), ($"{A}*", "coefficients"), ($"{A}*", "sums"), ($"{A}*", "sumsXmu"),
            }).WriteFieldsAndConstructor(writer);
            writer.Line();
            writer.Line(Optimized);
            using (writer.Block("public void Execute(int block, int firstRow, int rowCount)"))
            {
                writer.Line($"{A}* sum = _sums + (long)block * Channels, sumXmu = _sumsXmu + (long)block * Channels;");
                writer.Line($"new {Span}<{A}>(sum, Channels).Clear();");
                writer.Line($"new {Span}<{A}>(sumXmu, Channels).Clear();");
                WithScratch(writer, BackwardBuffers(), null, null, () =>
                {
                    using (writer.Block("for (int row = firstRow; row < firstRow + rowCount; row++)"))
                    {
                        writer.Line("int c = row % Channels;");
                        writer.Line($"{A} mean = _coefficients[c];");
                        if (HasActivation)
                        {
                            writer.Line($"{A} scale = _coefficients[2 * Channels + c], center = _coefficients[3 * Channels + c], shift = _coefficients[4 * Channels + c];");
                        }

                        ForEachSegment(writer, "(long)row * Spatial", () =>
                        {
                            LoadX(writer);
                            LoadDz(writer, "Normalize(xs, zBuffer, length, center, scale, shift);");
                            writer.Line($"GradientSums(dz, xs, length, mean, out {A} segmentDz, out {A} segmentDzXmu);");
                            writer.Line("sum[c] += segmentDz;");
                            writer.Line("sumXmu[c] += segmentDzXmu;");
                        });
                    }
                });
            }
        }
    }

    private void WriteAffineRowsByChannel(CodeWriter writer)
    {
        writer.Line();
        writer.Line("/// <summary>Normalizes a range of (sample, channel) runs: <c>y = (x - center)·scale + shift</c> with per-channel coefficients.</summary>");
        using (writer.Block($"private readonly struct AffineRows : {Runtime}.IRowKernel"))
        {
            var fields = new List<(string, string)> { ($"{T}*", "x"), ($"{T}*", "y"), ($"{A}*", "center"), ($"{A}*", "scale"), ($"{A}*", "shift") };
            if (CanStream)
            {
                fields.Add(("bool", "streaming"));
            }

            new KernelStruct("AffineRows", fields).WriteFieldsAndConstructor(writer);
            writer.Line();
            writer.Line(Optimized);
            using (writer.Block("public void Execute(int firstRow, int rowCount)"))
            {
                WithScratch(writer, ForwardBuffers(), null, null, () =>
                {
                    using (writer.Block("for (int row = firstRow; row < firstRow + rowCount; row++)"))
                    {
                        writer.Line("int c = row % Channels;");
                        writer.Line($"{A} center = _center[c], scale = _scale[c], shift = _shift[c];");
                        ForEachSegment(writer, "(long)row * Spatial", () =>
                        {
                            LoadX(writer);
                            if (CanStream)
                            {
                                writer.Line("if (_streaming) NormalizeStreaming(xs, _y + o, length, center, scale, shift);");
                                writer.Line("else Normalize(xs, _y + o, length, center, scale, shift);");
                            }
                            else
                            {
                                StoreOutput(writer, target => $"Normalize(xs, {target}, length, center, scale, shift);");
                            }
                        });
                    }

                    WriteStreamingFence(writer);
                });
            }
        }
    }

    /// <summary>Non-temporal stores are weakly ordered: a worker fences them before the caller may read its output.</summary>
    private void WriteStreamingFence(CodeWriter writer)
    {
        if (!CanStream)
        {
            return;
        }

        writer.Line();
        using (writer.Block("if (_streaming)"))
        {
            writer.Line("if (global::System.Runtime.Intrinsics.X86.Sse.IsSupported) global::System.Runtime.Intrinsics.X86.Sse.StoreFence();");
            writer.Line("else global::System.Threading.Interlocked.MemoryBarrier();");
        }
    }

    private void WriteBatchMoments(CodeWriter writer)
    {
        writer.Line();
        writer.Line("/// <summary>");
        writer.Line(ByPosition
            ? "/// The batch's per-channel (mean, M2): blocks of positions fixed by the shape compute their own, merged afterwards in block order."
            : "/// The batch's per-channel (mean, M2): blocks of runs fixed by the shape compute their own, merged afterwards in block order.");
        writer.Line("/// Returns the count, samples × <see cref=\"Spatial\"/>.");
        writer.Line("/// </summary>");
        using (writer.Block($"private static long BatchMoments({T}* x, int batch, {A}* mean, {A}* m2)"))
        {
            writer.Line($"{Runtime}.ReductionPlan plan = {Runtime}.ReductionPlan.For({ReductionRows});");
            writer.Line("int partialLength = plan.BlockCount * Channels;");
            writer.Line($"{A}[] partials = global::System.Buffers.ArrayPool<{A}>.Shared.Rent(2 * partialLength);");
            using (writer.Block("try"))
            {
                using (writer.Block($"fixed ({A}* p = partials)"))
                {
                    writer.Line($"{Runtime}.RowScheduler.Run(new StatisticsBlocks(x, p, p + partialLength), plan, {ReductionRowLength});");
                    if (ByPosition)
                    {
                        writer.Line($"{Span}<long> counts = stackalloc long[plan.BlockCount];");
                        using (writer.Block("for (int block = 0; block < plan.BlockCount; block++)"))
                        {
                            writer.Line("counts[block] = plan.RowsIn(block);");
                        }

                        writer.Line($"return {Runtime}.BatchStatistics.Merge<{A}>(counts, new {ReadOnlySpan}<{A}>(p, partialLength), new {ReadOnlySpan}<{A}>(p + partialLength, partialLength),");
                        writer.Line($"    new {Span}<{A}>(mean, Channels), new {Span}<{A}>(m2, Channels));");
                    }
                    else
                    {
                        // A block covers a range of runs, so how many of a channel's runs it holds depends on the channel.
                        using (writer.Block("for (int c = 0; c < Channels; c++)"))
                        {
                            writer.Line("long count = 0;");
                            writer.Line($"{A} mu = 0, q = 0;");
                            using (writer.Block("for (int block = 0; block < plan.BlockCount; block++)"))
                            {
                                writer.Line("int first = plan.FirstRow(block);");
                                writer.Line("long runs = RunsBefore(first + plan.RowsIn(block), c) - RunsBefore(first, c);");
                                writer.Line("if (runs > 0) count = Merge(count, ref mu, ref q, runs * Spatial, p[block * Channels + c], p[partialLength + block * Channels + c]);");
                            }

                            writer.Line("mean[c] = mu;");
                            writer.Line("m2[c] = q;");
                        }

                        writer.Line();
                        writer.Line("return (long)batch * Spatial;");
                    }
                }
            }

            using (writer.Block("finally"))
            {
                writer.Line($"global::System.Buffers.ArrayPool<{A}>.Shared.Return(partials);");
            }
        }
    }

    private void WriteStatisticsBlocks(CodeWriter writer)
    {
        writer.Line();
        writer.Line("/// <summary>One block's per-channel (mean, M2): chunk by chunk, each merged into the block's with Chan's formula.</summary>");
        using (writer.Block($"private readonly struct StatisticsBlocks : {Runtime}.IRowBlockKernel"))
        {
            new KernelStruct("StatisticsBlocks", new List<(string, string)> { ($"{T}*", "x"), ($"{A}*", "means"), ($"{A}*", "m2s") })
                .WriteFieldsAndConstructor(writer);
            writer.Line();
            writer.Line(Optimized);
            using (writer.Block("public void Execute(int block, int firstRow, int rowCount)"))
            {
                writer.Line($"{A}* mean = _means + (long)block * Channels, m2 = _m2s + (long)block * Channels;");
                WithScratch(writer, ForwardBuffers(), "2 * Channels", "chunkMean", () =>
                {
                    writer.Line($"{A}* chunkM2 = chunkMean + Channels;");
                    writer.Line("long count = 0;");
                    ForEachChunk(writer, () =>
                    {
                        LoadX(writer);
                        using (writer.Block("if (count == 0)"))
                        {
                            writer.Line("Moments(xs, rows, mean, m2);");
                            writer.Line("count = rows;");
                        }

                        using (writer.Block("else"))
                        {
                            writer.Line("Moments(xs, rows, chunkMean, chunkM2);");
                            writer.Line($"count = {Runtime}.BatchStatistics.Merge<{A}>(count, new {Span}<{A}>(mean, Channels), new {Span}<{A}>(m2, Channels),");
                            writer.Line($"    rows, new {ReadOnlySpan}<{A}>(chunkMean, Channels), new {ReadOnlySpan}<{A}>(chunkM2, Channels));");
                        }
                    });
                });
            }
        }
    }

    private void WriteAffineRowsByPosition(CodeWriter writer)
    {
        writer.Line();
        writer.Line("/// <summary>Normalizes a range of positions: <c>y = (x - center)·scale + shift</c> with per-channel coefficients.</summary>");
        using (writer.Block($"private readonly struct AffineRows : {Runtime}.IRowKernel"))
        {
            var fields = new List<(string, string)> { ($"{T}*", "x"), ($"{T}*", "y"), ($"{A}*", "center"), ($"{A}*", "scale"), ($"{A}*", "shift") };
            if (CanStream)
            {
                fields.Add(("bool", "streaming"));
            }

            new KernelStruct("AffineRows", fields).WriteFieldsAndConstructor(writer);
            writer.Line();
            writer.Line(Optimized);
            using (writer.Block("public void Execute(int firstRow, int rowCount)"))
            {
                WithScratch(writer, ForwardBuffers(), null, null, () =>
                {
                    ForEachChunk(writer, () =>
                    {
                        LoadX(writer);
                        if (CanStream)
                        {
                            writer.Line("if (_streaming) NormalizeStreaming(xs, _y + o, rows, _center, _scale, _shift);");
                            writer.Line("else Normalize(xs, _y + o, rows, _center, _scale, _shift);");
                        }
                        else
                        {
                            StoreOutput(writer, target => $"Normalize(xs, {target}, rows, _center, _scale, _shift);");
                        }
                    });

                    WriteStreamingFence(writer);
                });
            }
        }
    }

    private string RunBackwardParameters =>
        $"{T}* dy, {T}* x, {A}* coefficients, bool eval, int batch, long count, {A}* sumIn, {A}* sumXhatIn, {T}* dx, {T}* gw, {T}* gb, {A}* sumOut, {A}* sumXhatOut";

    private void WriteRunBackward(CodeWriter writer)
    {
        writer.Line();
        writer.Line("/// <summary>");
        writer.Line(ByPosition
            ? "/// Runs the backward kernels: per-channel sums of dz and dz·(x - mean) over blocks of positions fixed by the shape, summed in"
            : "/// Runs the backward kernels: per-channel sums of dz and dz·(x - mean) over blocks of runs fixed by the shape, summed in");
        writer.Line("/// block order (unless given or not needed); the parameter gradients; then dx, one sequential pass.");
        writer.Line("/// </summary>");
        using (writer.Block($"private static void RunBackward({RunBackwardParameters})"))
        {
            writer.Line($"{A}* rstd = coefficients + Channels, sum = coefficients + 5 * Channels, sumXhat = coefficients + 6 * Channels;");
            writer.Line($"{A}* k = coefficients + 7 * Channels, c1 = coefficients + 8 * Channels;");
            using (writer.Block("if (sumIn != null)"))
            {
                writer.Line($"new {ReadOnlySpan}<{A}>(sumIn, Channels).CopyTo(new {Span}<{A}>(sum, Channels));");
                writer.Line($"new {ReadOnlySpan}<{A}>(sumXhatIn, Channels).CopyTo(new {Span}<{A}>(sumXhat, Channels));");
            }

            using (writer.Block("else if (!eval || gw != null || gb != null || sumOut != null)"))
            {
                writer.Line($"{Runtime}.ReductionPlan plan = {Runtime}.ReductionPlan.For({ReductionRows});");
                writer.Line("int partialLength = plan.BlockCount * Channels;");
                writer.Line($"{A}[] partials = global::System.Buffers.ArrayPool<{A}>.Shared.Rent(2 * partialLength);");
                using (writer.Block("try"))
                {
                    using (writer.Block($"fixed ({A}* p = partials)"))
                    {
                        writer.Line($"{Runtime}.RowScheduler.Run(new GradientSumBlocks(dy, x, coefficients, p, p + partialLength), plan, {ReductionRowLength});");
                        writer.Line($"{Runtime}.PartialSums.Reduce<{A}>(new {ReadOnlySpan}<{A}>(p, partialLength), plan.BlockCount, new {Span}<{A}>(sum, Channels));");
                        writer.Line($"{Runtime}.PartialSums.Reduce<{A}>(new {ReadOnlySpan}<{A}>(p + partialLength, partialLength), plan.BlockCount, new {Span}<{A}>(sumXhat, Channels));");
                    }
                }

                using (writer.Block("finally"))
                {
                    writer.Line($"global::System.Buffers.ArrayPool<{A}>.Shared.Return(partials);");
                }

                using (writer.Block("for (int c = 0; c < Channels; c++)"))
                {
                    writer.Line("sumXhat[c] *= rstd[c];");
                }
            }

            writer.Line();
            using (writer.Block("for (int c = 0; c < Channels; c++)"))
            {
                writer.Line($"if (gw != null) gw[c] = ({T})sumXhat[c];");
                writer.Line($"if (gb != null) gb[c] = ({T})sum[c];");
                using (writer.Block("if (sumOut != null)"))
                {
                    writer.Line("sumOut[c] = sum[c];");
                    writer.Line("sumXhatOut[c] = sumXhat[c];");
                }

                using (writer.Block("if (!eval)"))
                {
                    writer.Line("c1[c] = sum[c] / count;");
                    writer.Line("k[c] = sumXhat[c] * rstd[c] / count;");
                }
            }

            if (RepeatsCoefficients)
            {
                writer.Line();
                using (writer.Block("for (int c = 0; c < Channels; c++)"))
                {
                    writer.Line("coefficients[9 * Channels + c] = coefficients[10 * Channels + c] = coefficients[c];");
                    writer.Line("coefficients[11 * Channels + c] = coefficients[12 * Channels + c] = coefficients[2 * Channels + c];");
                    writer.Line("coefficients[13 * Channels + c] = coefficients[14 * Channels + c] = k[c];");
                    writer.Line("coefficients[15 * Channels + c] = coefficients[16 * Channels + c] = c1[c];");
                }
            }

            writer.Line();
            using (writer.Block("if (dx != null)"))
            {
                writer.Line($"{Runtime}.RowScheduler.Run(new InputGradientRows(dy, x, dx, coefficients, eval{(CanStream ? ", (long)batch * SampleLength * sizeof(" + T + ") >= StreamingBytes" : "")}), {ElementwiseRows});");
            }
        }
    }

    private void WriteGradientSumBlocks(CodeWriter writer)
    {
        writer.Line();
        writer.Line("/// <summary>One block's per-channel Σdz and Σdz·(x - mean), into the block's own partial rows.</summary>");
        using (writer.Block($"private readonly struct GradientSumBlocks : {Runtime}.IRowBlockKernel"))
        {
            new KernelStruct("GradientSumBlocks", new List<(string, string)>
            {
                ($"{T}*", "dy"), ($"{T}*", "x"), ($"{A}*", "coefficients"), ($"{A}*", "sums"), ($"{A}*", "sumsXmu"),
            }).WriteFieldsAndConstructor(writer);
            writer.Line();
            writer.Line(Optimized);
            using (writer.Block("public void Execute(int block, int firstRow, int rowCount)"))
            {
                writer.Line($"{A}* sum = _sums + (long)block * Channels, sumXmu = _sumsXmu + (long)block * Channels;");
                writer.Line($"new {Span}<{A}>(sum, Channels).Clear();");
                writer.Line($"new {Span}<{A}>(sumXmu, Channels).Clear();");
                WriteCoefficientPointers(writer);
                WithScratch(writer, BackwardBuffers(), null, null, () =>
                {
                    ForEachChunk(writer, () =>
                    {
                        LoadX(writer);
                        LoadDz(writer, "Normalize(xs, zBuffer, rows, center, scale, shift);");
                        writer.Line("GradientSums(dz, xs, rows, mean, sum, sumXmu);");
                    });
                });
            }
        }
    }

    private void WriteCoefficientPointers(CodeWriter writer)
    {
        writer.Line($"{A}* mean = _coefficients, scale = _coefficients + 2 * Channels;");
        if (HasActivation)
        {
            writer.Line($"{A}* center = _coefficients + 3 * Channels, shift = _coefficients + 4 * Channels;");
        }
    }

    private void WriteInputGradientRows(CodeWriter writer)
    {
        writer.Line();
        writer.Line(ByPosition
            ? "/// <summary>dx over a range of positions: <c>(dz - c1 - (x - mean)·k)·scale</c> in training, <c>dz·scale</c> in evaluation.</summary>"
            : "/// <summary>dx over a range of (sample, channel) runs: <c>(dz - c1 - (x - mean)·k)·scale</c> in training, <c>dz·scale</c> in evaluation.</summary>");
        using (writer.Block($"private readonly struct InputGradientRows : {Runtime}.IRowKernel"))
        {
            var fields = new List<(string, string)> { ($"{T}*", "dy"), ($"{T}*", "x"), ($"{T}*", "dx"), ($"{A}*", "coefficients"), ("bool", "eval") };
            if (CanStream)
            {
                fields.Add(("bool", "streaming"));
            }

            new KernelStruct("InputGradientRows", fields).WriteFieldsAndConstructor(writer);
            writer.Line();
            writer.Line(Optimized);
            using (writer.Block("public void Execute(int firstRow, int rowCount)"))
            {
                WithScratch(writer, BackwardBuffers(), null, null, () =>
                {
                    if (ByPosition)
                    {
                        WriteCoefficientPointers(writer);
                        writer.Line($"{A}* k = _coefficients + 7 * Channels, c1 = _coefficients + 8 * Channels;");
                        WriteInputGradientBody(writer, "rows", "Normalize(xs, zBuffer, rows, center, scale, shift);", body => ForEachChunk(writer, body));
                        WriteStreamingFence(writer);
                        return;
                    }

                    using (writer.Block("for (int row = firstRow; row < firstRow + rowCount; row++)"))
                    {
                        writer.Line("int c = row % Channels;");
                        writer.Line($"{A} mean = _coefficients[c], scale = _coefficients[2 * Channels + c], k = _coefficients[7 * Channels + c], c1 = _coefficients[8 * Channels + c];");
                        if (HasActivation)
                        {
                            writer.Line($"{A} center = _coefficients[3 * Channels + c], shift = _coefficients[4 * Channels + c];");
                        }

                        WriteInputGradientBody(writer, "length", "Normalize(xs, zBuffer, length, center, scale, shift);", body => ForEachSegment(writer, "(long)row * Spatial", body));
                    }

                    WriteStreamingFence(writer);
                });
            }
        }
    }

    /// <summary>The dx loop: the evaluation branch reads x only to recompute an activation's input.</summary>
    private void WriteInputGradientBody(CodeWriter writer, string extent, string recomputeZ, Action<Action> loop)
    {
        void Training() => loop(() =>
        {
            LoadX(writer);
            LoadDz(writer, recomputeZ);
            if (CanStream)
            {
                writer.Line(ByPosition
                    ? $"if (_streaming) InputGradientStreaming(dz, xs, {DxTarget}, {extent}, _coefficients + 9 * Channels, _coefficients + 13 * Channels, _coefficients + 11 * Channels, _coefficients + 15 * Channels);"
                    : $"if (_streaming) InputGradientStreaming(dz, xs, {DxTarget}, {extent}, mean, k, scale, c1);");
                writer.Line($"else InputGradient(dz, xs, {DxTarget}, {extent}, mean, k, scale, c1);");
            }
            else
            {
                writer.Line($"InputGradient(dz, xs, {DxTarget}, {extent}, mean, k, scale, c1);");
            }

            StoreDx(writer);
        });

        if (!Track)
        {
            Training();
            return;
        }

        using (writer.Block("if (_eval)"))
        {
            loop(() =>
            {
                if (HasActivation)
                {
                    LoadX(writer);
                }

                LoadDz(writer, recomputeZ);
                writer.Line($"ScaleGradient(dz, {DxTarget}, {extent}, scale);");
                StoreDx(writer);
            });
        }

        using (writer.Block("else"))
        {
            Training();
        }
    }
}
