using System.Collections.Generic;
using System.Linq;
using NormGen.Generators.Helpers;

namespace NormGen.Generators.Emitting;

/// <summary>
/// Backward for long rows (<see cref="LongRowBackward"/>): two passes, each spread over the cores. The first sums
/// every row's g and g·x̂; the second walks the columns in chunks and, for each chunk, goes through every row,
/// computing dx and adding the row into the chunk's weight and bias gradients while they sit in L1. Each column's
/// gradient adds the rows in row order, so the results are the same at any thread count, with no partial rows.
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
        writer.Line($"/// <summary>Columns of a backward chunk: its weight and bias gradients fit in L1 together.</summary>");
        writer.Line($"private const int ColumnChunk = {ColumnChunk};");
        writer.Line();
        writer.Line("private const int ColumnChunks = (RowLength + ColumnChunk - 1) / ColumnChunk;");
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

                    using (writer.Block("for (int row = 0; row < _rows; row++)"))
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

    private List<string> GradientSumsParameters()
    {
        var parameters = new List<string> { $"{T}* dy", $"{T}* x" };
        if (_norm.HasWeight)
        {
            parameters.Add($"{T}* w");
        }

        parameters.AddRange(StatisticNames.Select(s => $"{T} {s}"));
        parameters.Add($"{T}* sums");
        return parameters;
    }

    private List<string> GradientSpanParameters()
    {
        var parameters = new List<string> { $"{T}* dy", $"{T}* x" };
        if (_norm.HasWeight)
        {
            parameters.Add($"{T}* w");
        }

        parameters.AddRange(StatisticNames.Select(s => $"{T} {s}"));
        if (_centered)
        {
            parameters.Add($"{T} gMean");
        }

        parameters.Add($"{T} gxMean");
        parameters.Add($"{T}* dx");
        parameters.AddRange(ParameterGradients.Select(g => $"{T}* {g}"));
        parameters.Add("int count");
        parameters.Add("bool stream");
        return parameters;
    }

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
    }
}
