using System.Collections.Generic;
using System.Linq;
using NormGen.Generators.Helpers;

namespace NormGen.Generators.Emitting;

/// <summary>
/// Rows too long for one row's data to stay in cache between passes. Backward (<see cref="LongRowBackward"/>) makes
/// two passes, each spread over the cores: the first sums every row's g and g·x̂; the second walks the columns in
/// chunks and, for each chunk, goes through every row, computing dx and adding the row into the chunk's weight and
/// bias gradients while they sit in L1. Each column's gradient adds the rows in a fixed order, so the results are the
/// same at any thread count, with no partial rows. Forward's statistics (<see cref="ChunkedStatistics"/>) go chunk by
/// chunk, so that one provisional mean never has to serve a whole long row.
/// </summary>
internal sealed partial class RowNormEmitter
{
    private void WriteLongRowBackwardLaunch(CodeWriter writer)
    {
        writer.Line();
        writer.Line("// Long rows: every row's sums first, then the gradients one chunk of columns at a time through all rows, each");
        writer.Line("// chunk's parameter gradients kept in L1 and summed over the rows in order.");
        writer.Line($"using {Runtime}.PartialRows<{T}> rowSums = {Runtime}.PartialRows<{T}>.Rent(2 * rows);");
        foreach (string gradient in ParameterGradients)
        {
            writer.Line($"using {Runtime}.PartialRows<{T}> {gradient}Columns = {Runtime}.PartialRows<{T}>.Rent({gradient}.IsEmpty ? 0 : RowLength);");
        }

        string sums = $"{Runtime}.RowScheduler.Run(new GradientRowSums({FieldNames(LongRowSumFields())}), rows, RowLength);";
        string columns = $"{Runtime}.RowScheduler.Run(new GradientColumns({FieldNames(LongRowColumnFields())}, rows, stream), ColumnChunks, (int)global::System.Math.Min((long)rows * ColumnChunk, int.MaxValue));";
        WritePinned(writer, LongRowColumnFields(), sums + "\n" + columns);
        foreach (string gradient in ParameterGradients)
        {
            writer.Line($"if (!{gradient}.IsEmpty) {gradient}Columns.Span.CopyTo({gradient});");
        }
    }

    private static string FieldNames(List<Field> fields) => string.Join(", ", fields.Select(f => f.Name));

    private List<Field> LongRowSumFields()
    {
        var fields = new List<Field> { new(T, "dy", "gradOutput"), new(T, "x", BackwardInputName) };
        fields.AddRange(AffineFields(T, withBias: false));
        fields.AddRange(StatisticNames.Select(s => new Field(T, s + "In", s)));
        fields.Add(new Field(T, "sums", "rowSums.Span"));
        return fields;
    }

    private List<Field> LongRowColumnFields()
    {
        List<Field> fields = LongRowSumFields();
        fields.Add(new Field(T, "dx", "gradInput"));
        fields.AddRange(ParameterGradients.Select(g => new Field(T, g + "Column", g + "Columns.Span")));
        return fields;
    }

    private void WriteLongRowBackwardKernels(CodeWriter writer)
    {
        writer.Line("/// <summary>Columns of a backward chunk: its weight and bias gradients fit in L1 together.</summary>");
        writer.Line($"private const int ColumnChunk = {ColumnChunk};");
        writer.Line();
        writer.Line("private const int ColumnChunks = (RowLength + ColumnChunk - 1) / ColumnChunk;");
        if (InterleavesRows)
        {
            writer.Line();
            writer.Line("/// <summary>Rows a backward chunk goes through together, adding them into its parameter gradients at once.</summary>");
            writer.Line($"private const int RowGroup = {RowGroup};");
        }

        writer.Line();
        writer.Line("/// <summary>Backward's first pass over long rows: each row's sums, which every element of its gradient needs.</summary>");
        using (writer.Block($"private readonly struct GradientRowSums : {Runtime}.IRowKernel"))
        {
            WritePointerFields(writer, "GradientRowSums", LongRowSumFields());
            writer.Line();
            writer.Line(Optimized);
            using (writer.Block("public void Execute(int firstRow, int rowCount)"))
            using (writer.Block("for (int row = firstRow; row < firstRow + rowCount; row++)"))
            {
                writer.Line("long offset = (long)row * RowLength;");
                var arguments = new List<string> { "_dy + offset", "_x + offset" };
                if (_norm.HasWeight)
                {
                    arguments.Add("_w");
                }

                arguments.AddRange(StatisticNames.Select(s => $"_{s}In[row]"));
                arguments.Add("_sums + 2L * row");
                writer.Line($"GradientSums({string.Join(", ", arguments)});");
            }
        }

        writer.Line();
        writer.Line("/// <summary>Backward's second pass over long rows: chunks of columns, each through every row in order.</summary>");
        using (writer.Block($"private readonly struct GradientColumns : {Runtime}.IRowKernel"))
        {
            WritePointerFields(writer, "GradientColumns", LongRowColumnFields(), "stream", count: "rows");
            writer.Line();
            writer.Line(Optimized);
            using (writer.Block("public void Execute(int firstChunk, int chunkCount)"))
            {
                using (writer.Block("for (int chunk = firstChunk; chunk < firstChunk + chunkCount; chunk++)"))
                {
                    writer.Line("int start = chunk * ColumnChunk;");
                    writer.Line("int count = global::System.Math.Min(ColumnChunk, RowLength - start);");
                    foreach (string gradient in ParameterGradients)
                    {
                        writer.Line($"{T}* {gradient} = _{gradient}Column == null ? null : _{gradient}Column + start;");
                        writer.Line($"if ({gradient} != null) new {Span}<{T}>({gradient}, count).Clear();");
                    }

                    writer.Line("int row = 0;");
                    if (InterleavesRows)
                    {
                        using (writer.Block("for (; row + RowGroup <= _rows; row += RowGroup)"))
                        {
                            writer.Line("long offset = (long)row * RowLength + start;");
                            var grouped = new List<string> { "_dy + offset", "_x + offset" };
                            if (_norm.HasWeight)
                            {
                                grouped.Add("_w + start");
                            }

                            grouped.AddRange(StatisticNames.Select(s => $"_{s}In + row"));
                            grouped.Add("_sums + 2L * row");
                            grouped.Add("_dx + offset");
                            grouped.AddRange(ParameterGradients);
                            grouped.Add("count");
                            grouped.Add("_stream");
                            writer.Line($"GradientSpanRows({string.Join(", ", grouped)});");
                        }

                        writer.Line();
                    }

                    using (writer.Block("for (; row < _rows; row++)"))
                    {
                        writer.Line("long offset = (long)row * RowLength + start;");
                        var arguments = new List<string> { "_dy + offset", "_x + offset" };
                        if (_norm.HasWeight)
                        {
                            arguments.Add("_w + start");
                        }

                        arguments.AddRange(StatisticNames.Select(s => $"_{s}In[row]"));
                        if (_centered)
                        {
                            arguments.Add("_sums[2L * row]");
                        }

                        arguments.Add("_sums[2L * row + 1]");
                        arguments.Add("_dx + offset");
                        arguments.AddRange(ParameterGradients);
                        arguments.Add("count");
                        arguments.Add("_stream");
                        writer.Line($"GradientSpan({string.Join(", ", arguments)});");
                    }
                }

                WriteStoreFence(writer);
            }
        }
    }

    /// <summary>
    /// Whether the column pass takes rows <see cref="RowGroup"/> at a time, adding them into the parameter gradients
    /// together (one read and write of the chunk's gradients per group instead of per row). Needs rows whose starts
    /// share their alignment, so that one aligned head serves the group's streamed dx rows.
    /// </summary>
    private bool InterleavesRows => _norm.HasWeight && _norm.RowLength % (64 / _t.Size) == 0;

    /// <summary>
    /// Rows per group. One, two and four rows at a time measured within the noise of each other on the quick
    /// benchmark's LayerNorm over C,H,W; four reads and writes the chunk's gradients least.
    /// </summary>
    private const int RowGroup = 4;

    private List<string> GradientSpanRowsParameters() =>
        GradientOutputParameters(StatisticNames.Select(s => $"{T}* {s}").Append($"{T}* sums"));

    /// <summary>
    /// <c>GradientSpanRows</c>: <c>GradientSpan</c> for a group of consecutive rows (at <c>RowLength</c> strides, statistics
    /// and sums from their first row's), their parameter gradients added pairwise in row order.
    /// </summary>
    private void WriteGradientSpanRows(CodeWriter writer)
    {
        WriteDispatch(writer, "GradientSpanRows", GradientSpanRowsParameters(),
            "Computes <c>count</c> elements of a group of consecutive rows' input gradients and adds the group into the parameter gradients.");
        int[] rows = Enumerable.Range(0, RowGroup).ToArray();
        var columnParameters = GradientSpanRowsParameters().Where(p => p != "int count" && p != "bool stream").ToList();
        columnParameters.Add("int i");
        string columnArguments = string.Join(", ", columnParameters.Select(p => p.Split(' ').Last()));
        foreach (VectorWidth width in VectorWidth.All)
        {
            string v = width.Helper;
            string vt = $"{v}<{T}>";
            string store = $"{v}.Store";
            writer.Line();
            writer.Line(Optimized);
            writer.Line($"private static void GradientSpanRows{width.Name}({string.Join(", ", GradientSpanRowsParameters())})");
            writer.Line("{");
            writer.Line($"    const int Lanes = {width.Lanes(_t)};");
            foreach (int k in rows)
            {
                var statistics = new List<string>();
                if (_centered)
                {
                    statistics.Add($"m{k} = {v}.Create(mean[{k}])");
                }

                statistics.Add($"r{k} = {v}.Create(rstd[{k}])");
                if (_centered)
                {
                    statistics.Add($"gm{k} = {v}.Create(sums[{2 * k}])");
                }

                statistics.Add($"gxm{k} = {v}.Create(sums[{2 * k + 1}])");
                writer.Line($"    {vt} {string.Join(", ", statistics)};");
            }

            writer.Line("    int i = 0;");
            writer.Line("    if (stream)");
            writer.Line("    {");
            WriteAlignedHead(writer, width, "dx", "count");
            writer.Line($"        for (; i < head; i++) ColumnRows({columnArguments});");
            writer.Line("        for (; aligned && i <= count - Lanes; i += Lanes)");
            WriteColumnRowsBody(writer, width, $"{v}.StoreAlignedNonTemporal", "        ");
            writer.Line($"        for (; i < count; i++) ColumnRows({columnArguments});");
            writer.Line("        return;");
            writer.Line("    }");
            writer.Line();
            writer.Line("    for (; i <= count - Lanes; i += Lanes)");
            WriteColumnRowsBody(writer, width, store, "    ");
            writer.Line();
            writer.Line($"    for (; i < count; i++) ColumnRows({columnArguments});");
            writer.Line("}");
        }

        // The scalar routine, and the vector routines' head and tail: one column of the group's rows.
        writer.Line();
        writer.Line(Optimized);
        writer.Line($"private static void GradientSpanRowsScalar({string.Join(", ", GradientSpanRowsParameters())})");
        writer.Line("{");
        writer.Line($"    for (int i = 0; i < count; i++) ColumnRows({columnArguments});");
        writer.Line("}");
        writer.Line();
        writer.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        writer.Line($"private static void ColumnRows({string.Join(", ", columnParameters)})");
        writer.Line("{");
        foreach (int k in rows)
        {
            string xValue = $"x[{RowOffset(k)}i]";
            writer.Line(_centered
                ? $"    {T} x{k} = ({xValue} - mean[{k}]) * rstd[{k}], d{k} = dy[{RowOffset(k)}i];"
                : $"    {T} x{k} = {xValue} * rstd[{k}], d{k} = dy[{RowOffset(k)}i];");
            writer.Line(_centered
                ? $"    dx[{RowOffset(k)}i] = rstd[{k}] * (d{k} * w[i] - sums[{2 * k}] - x{k} * sums[{2 * k + 1}]);"
                : $"    dx[{RowOffset(k)}i] = rstd[{k}] * (d{k} * w[i] - x{k} * sums[{2 * k + 1}]);");
        }

        writer.Line($"    if (gradWeight != null) gradWeight[i] += {GroupSum(k => $"d{k} * x{k}")};");
        if (_norm.HasBias)
        {
            writer.Line($"    if (gradBias != null) gradBias[i] += {GroupSum(k => $"d{k}")};");
        }

        writer.Line("}");
    }

    /// <summary>The group's rows' terms added pairwise, in a fixed order: (r0 + r1) + (r2 + r3) for four.</summary>
    private static string GroupSum(System.Func<int, string> term)
    {
        List<string> terms = Enumerable.Range(0, RowGroup).Select(term).ToList();
        while (terms.Count > 1)
        {
            terms = Enumerable.Range(0, (terms.Count + 1) / 2)
                .Select(p => 2 * p + 1 < terms.Count ? $"({terms[2 * p]} + {terms[2 * p + 1]})" : terms[2 * p])
                .ToList();
        }

        return terms[0].StartsWith("(") && terms[0].EndsWith(")") ? terms[0].Substring(1, terms[0].Length - 2) : terms[0];
    }

    /// <summary>The offset of the group's row <paramref name="k"/> from its first, as a prefix of an index.</summary>
    private static string RowOffset(int k) => k == 0 ? "" : k == 1 ? "RowLength + " : $"{k} * RowLength + ";

    private void WriteColumnRowsBody(CodeWriter writer, VectorWidth width, string store, string indent)
    {
        string v = width.Helper;
        string vt = $"{v}<{T}>";
        writer.Line($"{indent}{{");
        writer.Line($"{indent}    {vt} wi = {v}.Load(w + i);");
        for (int k = 0; k < RowGroup; k++)
        {
            string load = $"{v}.Load(x + {RowOffset(k)}i)";
            writer.Line(_centered
                ? $"{indent}    {vt} x{k} = ({load} - m{k}) * r{k}, d{k} = {v}.Load(dy + {RowOffset(k)}i);"
                : $"{indent}    {vt} x{k} = {load} * r{k}, d{k} = {v}.Load(dy + {RowOffset(k)}i);");
            writer.Line(_centered
                ? $"{indent}    {store}(r{k} * (d{k} * wi - gm{k} - x{k} * gxm{k}), dx + {RowOffset(k)}i);"
                : $"{indent}    {store}(r{k} * (d{k} * wi - x{k} * gxm{k}), dx + {RowOffset(k)}i);");
        }

        writer.Line($"{indent}    if (gradWeight != null) {v}.Store({v}.Load(gradWeight + i) + ({GroupSum(k => $"d{k} * x{k}")}), gradWeight + i);");
        if (_norm.HasBias)
        {
            writer.Line($"{indent}    if (gradBias != null) {v}.Store({v}.Load(gradBias + i) + ({GroupSum(k => $"d{k}")}), gradBias + i);");
        }

        writer.Line($"{indent}}}");
    }

    /// <summary>The pointers every long-row routine reads: dy, x and γ.</summary>
    private List<string> RowInputParameters()
    {
        var parameters = new List<string> { $"{T}* dy", $"{T}* x" };
        if (_norm.HasWeight)
        {
            parameters.Add($"{T}* w");
        }

        return parameters;
    }

    private List<string> GradientSumsParameters() =>
        [.. RowInputParameters(), .. StatisticNames.Select(s => $"{T} {s}"), $"{T}* sums"];

    /// <summary>The parameters of a routine that writes dx and adds into the parameter gradients, given its statistics.</summary>
    private List<string> GradientOutputParameters(IEnumerable<string> statistics) =>
        [.. RowInputParameters(), .. statistics, $"{T}* dx", .. ParameterGradients.Select(g => $"{T}* {g}"), "int count", "bool stream"];

    private List<string> GradientSpanParameters() => GradientOutputParameters(
        [.. StatisticNames.Select(s => $"{T} {s}"), .. (_centered ? new[] { $"{T} gMean" } : []), $"{T} gxMean"]);

    /// <summary>The routines of the long-row passes, per vector width and scalar.</summary>
    private void WriteLongRowRoutines(CodeWriter writer)
    {
        WriteDispatch(writer, "GradientSums", GradientSumsParameters(),
            _centered ? "Stores a row's mean(g) and mean(g·x̂) at <c>sums</c>." : "Stores a row's mean(g·x̂) at <c>sums</c> + 1.");
        foreach (VectorWidth width in VectorWidth.All)
        {
            writer.Line();
            writer.Line(Optimized);
            writer.Line($"private static void GradientSums{width.Name}({string.Join(", ", GradientSumsParameters())})");
            writer.Line("{");
            writer.Line($"    const int Lanes = {width.Lanes(_t)};");
            WriteStatisticVectors(writer, width);
            writer.Line();
            WriteGradientSums(writer, width);
            writer.Line(_centered ? "    sums[0] = gMean;" : "    sums[0] = 0;");
            writer.Line("    sums[1] = gxMean;");
            writer.Line("}");
        }

        string scalarXhat = ScalarNormalized(BackwardInput(null, "i"));
        string scalarG = _norm.HasWeight ? "dy[i] * w[i]" : "dy[i]";
        writer.Line();
        writer.Line(Optimized);
        writer.Line($"private static void GradientSumsScalar({string.Join(", ", GradientSumsParameters())})");
        writer.Line("{");
        writer.Line($"    {T} gMean = 0, gxMean = 0;");
        writer.Line(_centered
            ? $"    for (int i = 0; i < RowLength; i++) {{ {T} g = {scalarG}; gMean += g; gxMean += g * ({scalarXhat}); }}"
            : $"    for (int i = 0; i < RowLength; i++) gxMean += {scalarG} * ({scalarXhat});");
        writer.Line("    sums[0] = gMean / RowLength;");
        writer.Line("    sums[1] = gxMean / RowLength;");
        writer.Line("}");

        WriteDispatch(writer, "GradientSpan", GradientSpanParameters(),
            "Computes <c>count</c> elements of a row's input gradient and adds them into the parameter gradients.");
        foreach (VectorWidth width in VectorWidth.All)
        {
            writer.Line();
            writer.Line(Optimized);
            writer.Line($"private static void GradientSpan{width.Name}({string.Join(", ", GradientSpanParameters())})");
            writer.Line("{");
            writer.Line($"    const int Lanes = {width.Lanes(_t)};");
            WriteStatisticVectors(writer, width);
            writer.Line("    int i;");
            writer.Line();
            WriteGradientPass(writer, width, "count");
            writer.Line("}");
        }

        writer.Line();
        writer.Line(Optimized);
        writer.Line($"private static void GradientSpanScalar({string.Join(", ", GradientSpanParameters())})");
        writer.Line("{");
        WriteBackwardScalarLoop(writer, "for (int i = 0; i < count; i++)", scalarXhat, scalarG, "    ");
        writer.Line("}");
        if (InterleavesRows)
        {
            WriteGradientSpanRows(writer);
        }
    }

    /// <summary>
    /// Whether forward's statistics go chunk by chunk: centered rows longer than <see cref="MaxSampledProvisionalRow"/>,
    /// where one provisional mean from the first elements would leave the correction too much to cancel.
    /// </summary>
    private bool ChunkedStatistics => _centered && _norm.RowLength > MaxSampledProvisionalRow;

    /// <summary>Elements per statistics chunk: as long as the rows the sampled provisional mean serves well.</summary>
    private const int StatisticsChunk = 4096;

    /// <summary>
    /// The statistics of a long row in one pass: each chunk's mean and sum of squared deviations from its own provisional
    /// mean (<c>ChunkStatistics</c>), merged in order with Chan's formula. Every chunk is as accurate as a short row, and a
    /// constant row still gets exactly its value as mean: every chunk does, and merging equal means moves nothing.
    /// Declares what the sampled form does: <c>mean</c> (assigned), <c>squares</c> and the vector <c>m</c>.
    /// </summary>
    private void WriteChunkedStatistics(CodeWriter writer, VectorWidth width, string fusedFirst)
    {
        string v = width.Helper;
        var pointers = FirstInputPointers();
        writer.Line($"    // Statistics{fusedFirst}, chunk by chunk of {StatisticsChunk}, each measured from its own provisional mean and merged with Chan's formula.");
        writer.Line($"    mean = 0;");
        writer.Line($"    {T} squares = 0;");
        writer.Line($"    for (int start = 0; start < RowLength; start += {StatisticsChunk})");
        writer.Line("    {");
        writer.Line($"        int count = global::System.Math.Min({StatisticsChunk}, RowLength - start);");
        writer.Line($"        ChunkStatistics{width.Name}({string.Join(", ", pointers.Select(p => p + " + start"))}, count, out {T} chunkMean, out {T} chunkSquares);");
        writer.Line("        if (start == 0)");
        writer.Line("        {");
        writer.Line("            mean = chunkMean;");
        writer.Line("            squares = chunkSquares;");
        writer.Line("            continue;");
        writer.Line("        }");
        writer.Line();
        writer.Line($"        {T} delta = chunkMean - mean, share = ({T})count / (start + count);");
        writer.Line("        mean += delta * share;");
        writer.Line("        squares += chunkSquares + delta * delta * start * share;");
        writer.Line("    }");
        writer.Line();
        writer.Line($"    {v}<{T}> m = {v}.Create(mean);");
    }

    private List<string> FirstInputPointers()
    {
        var pointers = new List<string> { "x" };
        if (RoutinesAddInputBias)
        {
            pointers.Add("ib");
        }

        if (RoutinesAddResidual)
        {
            pointers.Add("res");
        }

        return pointers;
    }

    /// <summary><c>ChunkStatistics{Width}</c>: a chunk's mean and sum of squared deviations, by the shifted-data algorithm.</summary>
    private void WriteChunkStatisticsRoutines(CodeWriter writer)
    {
        string parameters = string.Join(", ", FirstInputPointers().Select(p => $"{T}* {p}")) + $", int count, out {T} mean, out {T} squares";
        string[] offsets = ["i", "i + Lanes", "i + 2 * Lanes", "i + 3 * Lanes"];
        foreach (VectorWidth width in VectorWidth.All)
        {
            string v = width.Helper;
            string vt = $"{v}<{T}>";
            int lanes = width.Lanes(_t);
            int provisionalVectors = System.Math.Max(1, 16 / lanes);
            string provisionalSum = string.Join(" + ", Enumerable.Range(0, provisionalVectors)
                .Select(k => "(" + FirstInput(v, k == 0 ? "0" : $"{k} * Lanes").Replace(" + 0)", ")") + ")"));
            writer.Line();
            writer.Line(Optimized);
            writer.Line($"private static void ChunkStatistics{width.Name}({parameters})");
            writer.Line("{");
            writer.Line($"    const int Lanes = {lanes};");
            writer.Line($"    // Provisional mean: the mean of the chunk's first {provisionalVectors * lanes} elements (its first element in a shorter chunk).");
            writer.Line($"    {T} provisional = count >= {provisionalVectors} * Lanes ? {v}.Sum({provisionalSum}) / {provisionalVectors * lanes} : {FirstInput(null, "0")};");
            writer.Line($"    {vt} c = {v}.Create(provisional);");
            writer.Line($"    {vt} s0 = {vt}.Zero, s1 = s0, s2 = s0, s3 = s0, q0 = s0, q1 = s0, q2 = s0, q3 = s0;");
            writer.Line("    int i = 0;");
            writer.Line("    for (; i <= count - 4 * Lanes; i += 4 * Lanes)");
            writer.Line("    {");
            for (int k = 0; k < 4; k++)
            {
                writer.Line($"        {vt} d{k} = {FirstInput(v, offsets[k])} - c;");
                writer.Line($"        s{k} += d{k};");
                writer.Line($"        q{k} += d{k} * d{k};");
            }

            writer.Line("    }");
            writer.Line();
            writer.Line("    for (; i <= count - Lanes; i += Lanes)");
            writer.Line("    {");
            writer.Line($"        {vt} d = {FirstInput(v, "i")} - c;");
            writer.Line("        s0 += d;");
            writer.Line("        q0 += d * d;");
            writer.Line("    }");
            writer.Line();
            writer.Line($"    {T} deviations = {v}.Sum((s0 + s1) + (s2 + s3));");
            writer.Line($"    squares = {v}.Sum((q0 + q1) + (q2 + q3));");
            writer.Line($"    for (; i < count; i++) {{ {T} d = {FirstInput(null, "i")} - provisional; deviations += d; squares += d * d; }}");
            writer.Line($"    {T} shift = deviations / count;");
            writer.Line("    mean = provisional + shift;");
            writer.Line("    squares -= deviations * shift;");
            writer.Line("    if (squares < 0) squares = 0;");
            writer.Line("}");
        }
    }
}
