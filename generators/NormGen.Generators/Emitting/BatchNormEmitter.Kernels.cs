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

    private KernelStruct TrainingChannelsKernel
    {
        get
        {
            var fields = new List<(string, string)> { ($"{T}*", "x") };
            if (Affine)
            {
                fields.Add(($"{T}*", "w"));
                fields.Add(($"{T}*", "b"));
            }

            if (Track)
            {
                fields.Add(($"{T}*", "runningMean"));
                fields.Add(($"{T}*", "runningVar"));
                fields.Add(("double", "momentum"));
            }

            fields.Add(($"{A}*", "givenMean"));
            fields.Add(($"{A}*", "givenM2"));
            fields.Add(("long", "count"));
            fields.Add(($"{T}*", "y"));
            fields.Add(($"{A}*", "saveMean"));
            fields.Add(($"{A}*", "saveRstd"));
            fields.Add(($"{A}*", "momentsMean"));
            fields.Add(($"{A}*", "momentsM2"));
            fields.Add(("int", "batch"));
            return new KernelStruct("TrainingChannels", fields);
        }
    }

    private void WriteKernels(CodeWriter writer)
    {
        if (ByPosition)
        {
            WriteBatchMoments(writer);
            WriteStatisticsBlocks(writer);
            WriteAffineRowsByPosition(writer);
            WriteRunBackwardByPosition(writer);
            WriteGradientSumBlocks(writer);
            WriteInputGradientRows(writer);
        }
        else
        {
            WriteMerge(writer);
            WriteTrainingChannels(writer);
            if (Track)
            {
                WriteAffineRowsByChannel(writer);
            }

            WriteRunBackwardByChannel(writer);
            WriteBackwardChannels(writer);
        }
    }

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

    private void ForEachRunOfChannel(CodeWriter writer, Action body)
    {
        using (writer.Block("for (int n = 0; n < _batch; n++)"))
        {
            ForEachSegment(writer, "(long)n * SampleLength + (long)c * Spatial", body);
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

    private void WriteTrainingChannels(CodeWriter writer)
    {
        KernelStruct kernel = TrainingChannelsKernel;
        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// Training forward over a range of channels. Per channel: the batch moments (segment by segment, merged in sample order),");
        writer.Line("/// unless given; then, unless only the moments were asked for, the coefficients, and the channel's runs normalized while");
        writer.Line("/// they are still in this core's cache.");
        writer.Line("/// </summary>");
        using (writer.Block($"private readonly struct TrainingChannels : {Runtime}.IRowKernel"))
        {
            kernel.WriteFieldsAndConstructor(writer);
            writer.Line();
            using (writer.Block("public void Execute(int firstChannel, int channelCount)"))
            {
                WithScratch(writer, ForwardBuffers(), null, null, () =>
                {
                    using (writer.Block("for (int c = firstChannel; c < firstChannel + channelCount; c++)"))
                    {
                        writer.Line($"{A} mean, m2;");
                        using (writer.Block("if (_givenMean != null)"))
                        {
                            writer.Line("mean = _givenMean[c];");
                            writer.Line("m2 = _givenM2[c];");
                        }

                        using (writer.Block("else"))
                        {
                            writer.Line("long count = 0;");
                            writer.Line("mean = 0;");
                            writer.Line("m2 = 0;");
                            ForEachRunOfChannel(writer, () =>
                            {
                                LoadX(writer);
                                writer.Line($"Moments(xs, length, out {A} segmentMean, out {A} segmentM2);");
                                writer.Line("count = Merge(count, ref mean, ref m2, length, segmentMean, segmentM2);");
                            });

                            using (writer.Block("if (_momentsMean != null)"))
                            {
                                writer.Line("_momentsMean[c] = mean;");
                                writer.Line("_momentsM2[c] = m2;");
                                writer.Line("continue;");
                            }
                        }

                        writer.Line();
                        string pointers = (Affine ? "_w, _b, " : "") + (Track ? "_runningMean, _runningVar, _momentum, " : "");
                        writer.Line($"TrainingCoefficients(c, _count, mean, m2, {pointers}_saveMean, _saveRstd, out {A} scale, out {A} shift);");
                        ForEachRunOfChannel(writer, () =>
                        {
                            LoadX(writer);
                            StoreOutput(writer, target => $"Normalize(xs, {target}, length, mean, scale, shift);");
                        });
                    }
                });
            }
        }
    }

    private void WriteAffineRowsByChannel(CodeWriter writer)
    {
        writer.Line();
        writer.Line("/// <summary>Evaluation forward over a range of (sample, channel) runs: <c>y = (x - center)·scale + shift</c> with per-channel coefficients.</summary>");
        using (writer.Block($"private readonly struct AffineRows : {Runtime}.IRowKernel"))
        {
            new KernelStruct("AffineRows", new List<(string, string)>
            {
                ($"{T}*", "x"), ($"{T}*", "y"), ($"{A}*", "center"), ($"{A}*", "scale"), ($"{A}*", "shift"),
            }).WriteFieldsAndConstructor(writer);
            writer.Line();
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
                            StoreOutput(writer, target => $"Normalize(xs, {target}, length, center, scale, shift);");
                        });
                    }
                });
            }
        }
    }

    private string RunBackwardParameters =>
        $"{T}* dy, {T}* x, {A}* coefficients, bool eval, int batch, long count, {A}* sumIn, {A}* sumXhatIn, {T}* dx, {T}* gw, {T}* gb, {A}* sumOut, {A}* sumXhatOut";

    private void WriteRunBackwardByChannel(CodeWriter writer)
    {
        writer.Line();
        writer.Line("/// <summary>Runs the backward kernels: per channel, the sums of dz and dz·x̂ (unless given or not needed), then dx.</summary>");
        using (writer.Block($"private static void RunBackward({RunBackwardParameters})"))
        {
            writer.Line($"{Runtime}.RowScheduler.Run(new BackwardChannels(dy, x, coefficients, eval, batch, count, sumIn, sumXhatIn, dx, gw, gb, sumOut, sumXhatOut), Channels, batch * Spatial);");
        }
    }

    private void WriteBackwardChannels(CodeWriter writer)
    {
        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// Backward over a range of channels. Per channel: Σdz and Σdz·(x - mean) over the batch's runs in sample order, the parameter");
        writer.Line("/// gradients, then dx over the same runs while they are still in this core's cache.");
        writer.Line("/// </summary>");
        using (writer.Block($"private readonly struct BackwardChannels : {Runtime}.IRowKernel"))
        {
            new KernelStruct("BackwardChannels", new List<(string, string)>
            {
                ($"{T}*", "dy"), ($"{T}*", "x"), ($"{A}*", "coefficients"), ("bool", "eval"), ("int", "batch"), ("long", "count"),
                ($"{A}*", "sumIn"), ($"{A}*", "sumXhatIn"), ($"{T}*", "dx"), ($"{T}*", "gw"), ($"{T}*", "gb"), ($"{A}*", "sumOut"), ($"{A}*", "sumXhatOut"),
            }).WriteFieldsAndConstructor(writer);
            writer.Line();
            using (writer.Block("public void Execute(int firstChannel, int channelCount)"))
            {
                WithScratch(writer, BackwardBuffers(), null, null, () =>
                {
                    using (writer.Block("for (int c = firstChannel; c < firstChannel + channelCount; c++)"))
                    {
                        writer.Line($"{A} mean = _coefficients[c], rstd = _coefficients[Channels + c], scale = _coefficients[2 * Channels + c];");
                        if (HasActivation)
                        {
                            writer.Line($"{A} center = _coefficients[3 * Channels + c], shift = _coefficients[4 * Channels + c];");
                        }

                        string recomputeZ = "Normalize(xs, zBuffer, length, center, scale, shift);";
                        writer.Line($"{A} sumDz = 0, sumDzXhat = 0;");
                        using (writer.Block("if (_sumIn != null)"))
                        {
                            writer.Line("sumDz = _sumIn[c];");
                            writer.Line("sumDzXhat = _sumXhatIn[c];");
                        }

                        using (writer.Block("else if (!_eval || _gw != null || _gb != null || _sumOut != null)"))
                        {
                            writer.Line($"{A} sumDzXmu = 0;");
                            ForEachRunOfChannel(writer, () =>
                            {
                                LoadX(writer);
                                LoadDz(writer, recomputeZ);
                                writer.Line($"GradientSums(dz, xs, length, mean, out {A} segmentDz, out {A} segmentDzXmu);");
                                writer.Line("sumDz += segmentDz;");
                                writer.Line("sumDzXmu += segmentDzXmu;");
                            });

                            writer.Line("sumDzXhat = sumDzXmu * rstd;");
                        }

                        writer.Line();
                        writer.Line($"if (_gw != null) _gw[c] = ({T})sumDzXhat;");
                        writer.Line($"if (_gb != null) _gb[c] = ({T})sumDz;");
                        using (writer.Block("if (_sumOut != null)"))
                        {
                            writer.Line("_sumOut[c] = sumDz;");
                            writer.Line("_sumXhatOut[c] = sumDzXhat;");
                        }

                        using (writer.Block("if (_dx == null)"))
                        {
                            writer.Line("continue;");
                        }

                        writer.Line();
                        if (Track)
                        {
                            using (writer.Block("if (_eval)"))
                            {
                                ForEachRunOfChannel(writer, () =>
                                {
                                    if (HasActivation)
                                    {
                                        LoadX(writer);
                                    }

                                    LoadDz(writer, recomputeZ);
                                    writer.Line($"ScaleGradient(dz, {DxTarget}, length, scale);");
                                    StoreDx(writer);
                                });

                                writer.Line("continue;");
                            }

                            writer.Line();
                        }

                        writer.Line($"{A} c1 = sumDz / _count, k = sumDzXhat * rstd / _count;");
                        ForEachRunOfChannel(writer, () =>
                        {
                            LoadX(writer);
                            LoadDz(writer, recomputeZ);
                            writer.Line($"InputGradient(dz, xs, {DxTarget}, length, mean, k, scale, c1);");
                            StoreDx(writer);
                        });
                    }
                });
            }
        }
    }

    // ---------------------------------------------------------------- channels-last

    private void WriteBatchMoments(CodeWriter writer)
    {
        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// The batch's per-channel (mean, M2) over <paramref name=\"positions\"/> positions: blocks of positions fixed by the shape");
        writer.Line("/// compute their own, merged afterwards in block order. Returns the count.");
        writer.Line("/// </summary>");
        using (writer.Block($"private static long BatchMoments({T}* x, int positions, {A}* mean, {A}* m2)"))
        {
            writer.Line($"{Runtime}.ReductionPlan plan = {Runtime}.ReductionPlan.For(positions, Channels);");
            writer.Line("int partialLength = plan.BlockCount * Channels;");
            writer.Line($"{A}[] partials = global::System.Buffers.ArrayPool<{A}>.Shared.Rent(2 * partialLength);");
            using (writer.Block("try"))
            {
                using (writer.Block($"fixed ({A}* p = partials)"))
                {
                    writer.Line($"{Runtime}.RowScheduler.Run(new StatisticsBlocks(x, p, p + partialLength), plan, Channels);");
                    writer.Line($"{Span}<long> counts = stackalloc long[plan.BlockCount];");
                    using (writer.Block("for (int block = 0; block < plan.BlockCount; block++)"))
                    {
                        writer.Line("counts[block] = plan.RowsIn(block);");
                    }

                    writer.Line($"return {Runtime}.BatchStatistics.Merge<{A}>(counts, new {ReadOnlySpan}<{A}>(p, partialLength), new {ReadOnlySpan}<{A}>(p + partialLength, partialLength),");
                    writer.Line($"    new {Span}<{A}>(mean, Channels), new {Span}<{A}>(m2, Channels));");
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
            new KernelStruct("AffineRows", new List<(string, string)>
            {
                ($"{T}*", "x"), ($"{T}*", "y"), ($"{A}*", "center"), ($"{A}*", "scale"), ($"{A}*", "shift"),
            }).WriteFieldsAndConstructor(writer);
            writer.Line();
            using (writer.Block("public void Execute(int firstRow, int rowCount)"))
            {
                WithScratch(writer, ForwardBuffers(), null, null, () =>
                {
                    ForEachChunk(writer, () =>
                    {
                        LoadX(writer);
                        StoreOutput(writer, target => $"Normalize(xs, {target}, rows, _center, _scale, _shift);");
                    });
                });
            }
        }
    }

    private void WriteRunBackwardByPosition(CodeWriter writer)
    {
        writer.Line();
        writer.Line("/// <summary>");
        writer.Line("/// Runs the backward kernels: per-channel sums of dz and dz·(x - mean) over blocks of positions fixed by the shape (unless given");
        writer.Line("/// or not needed), summed in block order; the parameter gradients; then dx over every position.");
        writer.Line("/// </summary>");
        using (writer.Block($"private static void RunBackward({RunBackwardParameters})"))
        {
            writer.Line("int positions = batch * Spatial;");
            writer.Line($"{A}* rstd = coefficients + Channels, sum = coefficients + 5 * Channels, sumXhat = coefficients + 6 * Channels;");
            writer.Line($"{A}* k = coefficients + 7 * Channels, c1 = coefficients + 8 * Channels;");
            using (writer.Block("if (sumIn != null)"))
            {
                writer.Line($"new {ReadOnlySpan}<{A}>(sumIn, Channels).CopyTo(new {Span}<{A}>(sum, Channels));");
                writer.Line($"new {ReadOnlySpan}<{A}>(sumXhatIn, Channels).CopyTo(new {Span}<{A}>(sumXhat, Channels));");
            }

            using (writer.Block("else if (!eval || gw != null || gb != null || sumOut != null)"))
            {
                writer.Line($"{Runtime}.ReductionPlan plan = {Runtime}.ReductionPlan.For(positions, Channels);");
                writer.Line("int partialLength = plan.BlockCount * Channels;");
                writer.Line($"{A}[] partials = global::System.Buffers.ArrayPool<{A}>.Shared.Rent(2 * partialLength);");
                using (writer.Block("try"))
                {
                    using (writer.Block($"fixed ({A}* p = partials)"))
                    {
                        writer.Line($"{Runtime}.RowScheduler.Run(new GradientSumBlocks(dy, x, coefficients, p, p + partialLength), plan, Channels);");
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

            using (writer.Block("if (dx != null)"))
            {
                writer.Line($"{Runtime}.RowScheduler.Run(new InputGradientRows(dy, x, dx, coefficients, eval), positions, Channels);");
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
        writer.Line("/// <summary>dx over a range of positions: <c>(dz - c1 - (x - mean)·k)·scale</c> in training, <c>dz·scale</c> in evaluation.</summary>");
        using (writer.Block($"private readonly struct InputGradientRows : {Runtime}.IRowKernel"))
        {
            new KernelStruct("InputGradientRows", new List<(string, string)>
            {
                ($"{T}*", "dy"), ($"{T}*", "x"), ($"{T}*", "dx"), ($"{A}*", "coefficients"), ("bool", "eval"),
            }).WriteFieldsAndConstructor(writer);
            writer.Line();
            using (writer.Block("public void Execute(int firstRow, int rowCount)"))
            {
                WriteCoefficientPointers(writer);
                writer.Line($"{A}* k = _coefficients + 7 * Channels, c1 = _coefficients + 8 * Channels;");
                string recomputeZ = "Normalize(xs, zBuffer, rows, center, scale, shift);";
                WithScratch(writer, BackwardBuffers(), null, null, () =>
                {
                    if (Track)
                    {
                        using (writer.Block("if (_eval)"))
                        {
                            ForEachChunk(writer, () =>
                            {
                                if (HasActivation)
                                {
                                    LoadX(writer);
                                }

                                LoadDz(writer, recomputeZ);
                                writer.Line($"ScaleGradient(dz, {DxTarget}, rows, scale);");
                                StoreDx(writer);
                            });

                            writer.Line("return;");
                        }

                        writer.Line();
                    }

                    ForEachChunk(writer, () =>
                    {
                        LoadX(writer);
                        LoadDz(writer, recomputeZ);
                        writer.Line($"InputGradient(dz, xs, {DxTarget}, rows, mean, k, scale, c1);");
                        StoreDx(writer);
                    });
                });
            }
        }
    }
}
