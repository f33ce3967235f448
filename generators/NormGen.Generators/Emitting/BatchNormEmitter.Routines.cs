using System.Collections.Generic;
using System.Linq;
using NormGen.Generators.Helpers;

namespace NormGen.Generators.Emitting;

/// <summary>
/// The SIMD routines the kernels call on one segment (channels-first: a contiguous run of one channel) or one
/// chunk (channels-last: contiguous positions of every channel), each written once per vector width and once in
/// scalar code, behind a dispatcher that the JIT folds to a single call.
/// </summary>
internal sealed partial class BatchNormEmitter
{
    /// <summary>The vector widths worth writing: those whose lanes fit in the longest segment (or in the channels).</summary>
    private IEnumerable<VectorWidth> Widths =>
        VectorWidth.All.Where(w => w.Lanes(_a) <= (ByPosition ? Channels : SegmentLength));

    private void WriteRoutines(CodeWriter writer)
    {
        string x = $"{A}* x";
        if (ByPosition)
        {
            WriteRoutine(writer, "Moments", $"{x}, int rows, {A}* mean, {A}* m2",
                "Per channel, the mean and M2 of a chunk of positions: a two-pass mean, corrected by the deviations' sum.", MomentsByPosition);
            WriteRoutine(writer, "Normalize", $"{x}, {A}* y, int rows, {A}* center, {A}* scale, {A}* shift",
                "y = (x - center)·scale + shift, per channel, over a chunk of positions; y may be x.", NormalizeByPosition);
            WriteRoutine(writer, "GradientSums", $"{A}* dz, {x}, int rows, {A}* mean, {A}* sum, {A}* sumXmu",
                "Adds a chunk's per-channel Σdz and Σdz·(x - mean) to the sums.", GradientSumsByPosition);
            WriteRoutine(writer, "InputGradient", $"{A}* dz, {x}, {A}* dx, int rows, {A}* mean, {A}* k, {A}* scale, {A}* c1",
                "dx = (dz - c1 - (x - mean)·k)·scale per channel over a chunk of positions; dx may be dz or x.", InputGradientByPosition);
            if (CanStream)
            {
                WriteRoutine(writer, "NormalizeStreaming", $"{x}, {A}* y, int rows, {A}* center, {A}* scale, {A}* shift",
                    "Normalize with non-temporal stores, walking the chunk flat; the coefficient rows are stored twice in a row.",
                    (wr, w) => StreamingByPosition(wr, w, "y", "(x[i] - center[ch]) * scale[ch] + shift[ch]",
                        v => $"({v}.Load(x + i) - {v}.Load(center + ch)) * {v}.Load(scale + ch) + {v}.Load(shift + ch)"));
                WriteRoutine(writer, "InputGradientStreaming", $"{A}* dz, {x}, {A}* dx, int rows, {A}* mean, {A}* k, {A}* scale, {A}* c1",
                    "InputGradient with non-temporal stores, walking the chunk flat; the coefficient rows are stored twice in a row.",
                    (wr, w) => StreamingByPosition(wr, w, "dx", "(dz[i] - c1[ch] - (x[i] - mean[ch]) * k[ch]) * scale[ch]",
                        v => $"({v}.Load(dz + i) - {v}.Load(c1 + ch) - ({v}.Load(x + i) - {v}.Load(mean + ch)) * {v}.Load(k + ch)) * {v}.Load(scale + ch)"));
            }

            if (Track)
            {
                WriteRoutine(writer, "ScaleGradient", $"{A}* dz, {A}* dx, int rows, {A}* scale",
                    "dx = dz·scale per channel over a chunk of positions; dx may be dz.", ScaleGradientByPosition);
            }
        }
        else
        {
            WriteRoutine(writer, "Moments", $"{x}, int length, out {A} mean, out {A} m2",
                "The mean and M2 of a contiguous segment: a two-pass mean, corrected by the deviations' sum.", MomentsContiguous);
            WriteRoutine(writer, "Normalize", $"{x}, {A}* y, int length, {A} center, {A} scale, {A} shift",
                "y = (x - center)·scale + shift over a contiguous segment; y may be x.", NormalizeContiguous);
            WriteRoutine(writer, "GradientSums", $"{A}* dz, {x}, int length, {A} mean, out {A} sumDz, out {A} sumDzXmu",
                "Σdz and Σdz·(x - mean) over a contiguous segment.", GradientSumsContiguous);
            WriteRoutine(writer, "InputGradient", $"{A}* dz, {x}, {A}* dx, int length, {A} mean, {A} k, {A} scale, {A} c1",
                "dx = (dz - c1 - (x - mean)·k)·scale over a contiguous segment; dx may be dz or x.", InputGradientContiguous);
            if (CanStream)
            {
                WriteRoutine(writer, "NormalizeStreaming", $"{x}, {A}* y, int length, {A} center, {A} scale, {A} shift",
                    "Normalize with non-temporal stores from the first vector-aligned element of y on.", (wr, w) => Streaming(wr, w, "y", "(x[i] - center) * scale + shift",
                        v => $"({v}.Load(x + i) - m) * s + t", v => $"({v}.Load(x + i + Lanes) - m) * s + t",
                        v => $"{Vt(w!)} m = {v}.Create(center), s = {v}.Create(scale), t = {v}.Create(shift);"));
                WriteRoutine(writer, "InputGradientStreaming", $"{A}* dz, {x}, {A}* dx, int length, {A} mean, {A} k, {A} scale, {A} c1",
                    "InputGradient with non-temporal stores from the first vector-aligned element of dx on.", (wr, w) => Streaming(wr, w, "dx", "(dz[i] - c1 - (x[i] - mean) * k) * scale",
                        v => $"({v}.Load(dz + i) - c - ({v}.Load(x + i) - m) * kk) * s", v => $"({v}.Load(dz + i + Lanes) - c - ({v}.Load(x + i + Lanes) - m) * kk) * s",
                        v => $"{Vt(w!)} m = {v}.Create(mean), kk = {v}.Create(k), s = {v}.Create(scale), c = {v}.Create(c1);"));
            }
            if (Track)
            {
                WriteRoutine(writer, "ScaleGradient", $"{A}* dz, {A}* dx, int length, {A} scale",
                    "dx = dz·scale over a contiguous segment; dx may be dz.", ScaleGradientContiguous);
            }
        }
    }

    /// <summary>Writes a dispatcher and one routine per width plus a scalar one.</summary>
    private void WriteRoutine(CodeWriter writer, string name, string parameters, string summary, System.Action<CodeWriter, VectorWidth?> body)
    {
        string call = string.Join(", ", parameters.Split(',').Select(p => p.Trim()).Select(p => (p.StartsWith("out ") ? "out " : "") + p.Split(' ').Last()));
        writer.Line();
        writer.Line($"/// <summary>{summary}</summary>");
        writer.Line(Inline);
        using (writer.Block($"private static void {name}({parameters})"))
        {
            string keyword = "if";
            foreach (VectorWidth width in Widths)
            {
                string condition = ByPosition
                    ? $"{width.Helper}.IsHardwareAccelerated"
                    : $"{width.Helper}.IsHardwareAccelerated && length >= {Number(width.Lanes(_a))}";
                writer.Line($"{keyword} ({condition})");
                writer.Line("{");
                writer.Line($"    {name}{width.Name}({call});");
                writer.Line("}");
                keyword = "else if";
            }

            if (keyword == "if")
            {
                writer.Line($"{name}Scalar({call});");
            }
            else
            {
                writer.Line("else");
                writer.Line("{");
                writer.Line($"    {name}Scalar({call});");
                writer.Line("}");
            }
        }

        foreach (VectorWidth width in Widths)
        {
            writer.Line();
            writer.Line(Optimized);
            using (writer.Block($"private static void {name}{width.Name}({parameters})"))
            {
                writer.Line($"const int Lanes = {Number(width.Lanes(_a))};");
                body(writer, width);
            }
        }

        writer.Line();
        writer.Line(Optimized);
        using (writer.Block($"private static void {name}Scalar({parameters})"))
        {
            body(writer, null);
        }
    }

    private string Vt(VectorWidth w) => $"{w.Helper}<{A}>";

    // ---------------------------------------------------------------- contiguous segments (channels-first)

    private void MomentsContiguous(CodeWriter writer, VectorWidth? w)
    {
        if (w is null)
        {
            writer.Line($$"""
                {{A}} sum = 0;
                for (int i = 0; i < length; i++) sum += x[i];
                mean = sum / length;
                {{A}} deviations = 0, squares = 0;
                for (int i = 0; i < length; i++) { {{A}} d = x[i] - mean; deviations += d; squares += d * d; }
                """);
        }
        else
        {
            string v = w.Helper, vt = Vt(w);
            writer.Line($$"""
                int i = 0;
                {{vt}} s0 = {{vt}}.Zero, s1 = s0, s2 = s0, s3 = s0;
                for (; i <= length - 4 * Lanes; i += 4 * Lanes)
                {
                    s0 += {{v}}.Load(x + i);
                    s1 += {{v}}.Load(x + i + Lanes);
                    s2 += {{v}}.Load(x + i + 2 * Lanes);
                    s3 += {{v}}.Load(x + i + 3 * Lanes);
                }

                for (; i <= length - Lanes; i += Lanes) s0 += {{v}}.Load(x + i);
                {{A}} sum = {{v}}.Sum((s0 + s1) + (s2 + s3));
                for (; i < length; i++) sum += x[i];
                mean = sum / length;

                // Second pass over the segment, still in L1: squared deviations from that mean, and the deviations
                // themselves, which correct the mean's rounding error (the corrected two-pass algorithm).
                {{vt}} m = {{v}}.Create(mean), q0 = {{vt}}.Zero, q1 = q0;
                s0 = s1 = q0;
                for (i = 0; i <= length - 2 * Lanes; i += 2 * Lanes)
                {
                    {{vt}} d0 = {{v}}.Load(x + i) - m;
                    {{vt}} d1 = {{v}}.Load(x + i + Lanes) - m;
                    s0 += d0;
                    s1 += d1;
                    q0 += d0 * d0;
                    q1 += d1 * d1;
                }

                for (; i <= length - Lanes; i += Lanes)
                {
                    {{vt}} d = {{v}}.Load(x + i) - m;
                    s0 += d;
                    q0 += d * d;
                }

                {{A}} deviations = {{v}}.Sum(s0 + s1), squares = {{v}}.Sum(q0 + q1);
                for (; i < length; i++) { {{A}} d = x[i] - mean; deviations += d; squares += d * d; }
                """);
        }

        writer.Line($$"""
            {{A}} shift = deviations / length;
            mean += shift;
            squares -= deviations * shift;
            m2 = squares < 0 ? 0 : squares;
            """);
    }

    private void NormalizeContiguous(CodeWriter writer, VectorWidth? w)
    {
        if (w is null)
        {
            writer.Line("for (int i = 0; i < length; i++) y[i] = (x[i] - center) * scale + shift;");
            return;
        }

        string v = w.Helper, vt = Vt(w);
        writer.Line($$"""
            {{vt}} m = {{v}}.Create(center), s = {{v}}.Create(scale), t = {{v}}.Create(shift);
            int i = 0;
            for (; i <= length - 2 * Lanes; i += 2 * Lanes)
            {
                {{vt}} y0 = ({{v}}.Load(x + i) - m) * s + t;
                {{vt}} y1 = ({{v}}.Load(x + i + Lanes) - m) * s + t;
                {{v}}.Store(y0, y + i);
                {{v}}.Store(y1, y + i + Lanes);
            }

            for (; i <= length - Lanes; i += Lanes) {{v}}.Store(({{v}}.Load(x + i) - m) * s + t, y + i);
            for (; i < length; i++) y[i] = (x[i] - center) * scale + shift;
            """);
    }

    private void GradientSumsContiguous(CodeWriter writer, VectorWidth? w)
    {
        if (w is null)
        {
            writer.Line($$"""
                {{A}} g = 0, p = 0;
                for (int i = 0; i < length; i++) { {{A}} d = dz[i]; g += d; p += d * (x[i] - mean); }
                sumDz = g;
                sumDzXmu = p;
                """);
            return;
        }

        string v = w.Helper, vt = Vt(w);
        writer.Line($$"""
            {{vt}} m = {{v}}.Create(mean), g0 = {{vt}}.Zero, g1 = g0, p0 = g0, p1 = g0;
            int i = 0;
            for (; i <= length - 2 * Lanes; i += 2 * Lanes)
            {
                {{vt}} d0 = {{v}}.Load(dz + i);
                {{vt}} d1 = {{v}}.Load(dz + i + Lanes);
                g0 += d0;
                g1 += d1;
                p0 += d0 * ({{v}}.Load(x + i) - m);
                p1 += d1 * ({{v}}.Load(x + i + Lanes) - m);
            }

            for (; i <= length - Lanes; i += Lanes)
            {
                {{vt}} d = {{v}}.Load(dz + i);
                g0 += d;
                p0 += d * ({{v}}.Load(x + i) - m);
            }

            {{A}} g = {{v}}.Sum(g0 + g1), p = {{v}}.Sum(p0 + p1);
            for (; i < length; i++) { {{A}} d = dz[i]; g += d; p += d * (x[i] - mean); }
            sumDz = g;
            sumDzXmu = p;
            """);
    }

    private void InputGradientContiguous(CodeWriter writer, VectorWidth? w)
    {
        if (w is null)
        {
            writer.Line("for (int i = 0; i < length; i++) dx[i] = (dz[i] - c1 - (x[i] - mean) * k) * scale;");
            return;
        }

        string v = w.Helper, vt = Vt(w);
        writer.Line($$"""
            {{vt}} m = {{v}}.Create(mean), kk = {{v}}.Create(k), s = {{v}}.Create(scale), c = {{v}}.Create(c1);
            int i = 0;
            for (; i <= length - 2 * Lanes; i += 2 * Lanes)
            {
                {{vt}} r0 = ({{v}}.Load(dz + i) - c - ({{v}}.Load(x + i) - m) * kk) * s;
                {{vt}} r1 = ({{v}}.Load(dz + i + Lanes) - c - ({{v}}.Load(x + i + Lanes) - m) * kk) * s;
                {{v}}.Store(r0, dx + i);
                {{v}}.Store(r1, dx + i + Lanes);
            }

            for (; i <= length - Lanes; i += Lanes) {{v}}.Store(({{v}}.Load(dz + i) - c - ({{v}}.Load(x + i) - m) * kk) * s, dx + i);
            for (; i < length; i++) dx[i] = (dz[i] - c1 - (x[i] - mean) * k) * scale;
            """);
    }

    /// <summary>
    /// An elementwise loop whose vector stores bypass the cache: a scalar head up to the first vector-aligned element
    /// of the destination, aligned non-temporal stores, a scalar tail. Only for outputs too large to stay in cache.
    /// </summary>
    private void Streaming(CodeWriter writer, VectorWidth? w, string destination, string scalar, System.Func<string, string> first, System.Func<string, string> second, System.Func<string, string> setup)
    {
        if (w is null)
        {
            writer.Line($"for (int i = 0; i < length; i++) {destination}[i] = {scalar};");
            return;
        }

        string v = w.Helper;
        string mask = Number(w.Bytes - 1);
        writer.Line($$"""
            {{setup(v)}}
            int head = (int)((({{Number(w.Bytes)}} - ((nuint){{destination}} & {{mask}})) & {{mask}}) / sizeof({{A}}));
            if (head > length) head = length;
            int i = 0;
            for (; i < head; i++) {{destination}}[i] = {{scalar}};
            for (; i <= length - 2 * Lanes; i += 2 * Lanes)
            {
                {{Vt(w)}} r0 = {{first(v)}};
                {{Vt(w)}} r1 = {{second(v)}};
                {{v}}.StoreAlignedNonTemporal(r0, {{destination}} + i);
                {{v}}.StoreAlignedNonTemporal(r1, {{destination}} + i + Lanes);
            }

            for (; i <= length - Lanes; i += Lanes) {{v}}.StoreAlignedNonTemporal({{first(v)}}, {{destination}} + i);
            for (; i < length; i++) {{destination}}[i] = {{scalar}};
            """);
    }

    /// <summary>
    /// The channels-last streaming loop: the chunk as one flat run, a scalar head up to the first vector-aligned element of
    /// the destination, aligned non-temporal stores, a scalar tail; <c>ch</c> is the channel of element <c>i</c>.
    /// </summary>
    private void StreamingByPosition(CodeWriter writer, VectorWidth? w, string destination, string scalar, System.Func<string, string> vector)
    {
        writer.Line("int length = rows * Channels, i = 0, ch = 0;");
        if (w is not null)
        {
            string v = w.Helper;
            string mask = Number(w.Bytes - 1);
            writer.Line($$"""
                int head = (int)((({{Number(w.Bytes)}} - ((nuint){{destination}} & {{mask}})) & {{mask}}) / sizeof({{A}}));
                if (head > length) head = length;

                // The head is shorter than a vector, so shorter than a position: element i is channel i.
                for (; i < head; i++) {{destination}}[i] = {{scalar.Replace("[ch]", "[i]")}};
                ch = head;
                for (; i <= length - Lanes; i += Lanes)
                {
                    {{v}}.StoreAlignedNonTemporal({{vector(v)}}, {{destination}} + i);
                    ch += Lanes;
                    if (ch >= Channels) ch -= Channels;
                }

                """);
        }

        writer.Line($$"""
            for (; i < length; i++)
            {
                {{destination}}[i] = {{scalar}};
                if (++ch == Channels) ch = 0;
            }
            """);
    }

    private void ScaleGradientContiguous(CodeWriter writer, VectorWidth? w)
    {
        if (w is null)
        {
            writer.Line("for (int i = 0; i < length; i++) dx[i] = dz[i] * scale;");
            return;
        }

        string v = w.Helper, vt = Vt(w);
        writer.Line($$"""
            {{vt}} s = {{v}}.Create(scale);
            int i = 0;
            for (; i <= length - Lanes; i += Lanes) {{v}}.Store({{v}}.Load(dz + i) * s, dx + i);
            for (; i < length; i++) dx[i] = dz[i] * scale;
            """);
    }

    // ---------------------------------------------------------------- chunks of positions (channels-last)

    /// <summary>The scalar loop over the channels a vector routine leaves (or all of them, in the scalar routine).</summary>
    private static string ChannelTail(VectorWidth? w) => w is null ? "for (int j = 0; j < Channels; j++)" : "for (; j < Channels; j++)";

    /// <summary>
    /// Writes the vector part of a channels-last routine: the channels in groups of four, two, then one vector, each group
    /// swept over the chunk's positions with its accumulators or coefficients in registers. A group reads a contiguous run of
    /// every position, so with up to four vectors of channels the sweep reads the chunk in memory order. Only the loops the
    /// channel count needs are written.
    /// </summary>
    private void WriteChannelGroups(CodeWriter writer, VectorWidth w, System.Func<int, string> group)
    {
        int lanes = w.Lanes(_a);
        writer.Line("int j = 0;");
        int left = Channels;
        foreach (int size in new[] { 4, 2, 1 })
        {
            if (left < size * lanes)
            {
                continue;
            }

            string step = size == 1 ? "Lanes" : $"{size} * Lanes";
            bool once = left < 2 * size * lanes;
            using (writer.Block(once ? $"if (j <= Channels - {step})" : $"for (; j <= Channels - {step}; j += {step})"))
            {
                writer.Line(group(size));
                if (once)
                {
                    writer.Line($"j += {step};");
                }
            }

            writer.Line();
            left %= size * lanes;
        }
    }

    /// <summary>One line per vector of a group, with <c>{k}</c> replaced by the vector's index.</summary>
    private static string Each(int size, string line, string separator = "\n") =>
        string.Join(separator, Enumerable.Range(0, size).Select(k => line.Replace("{k}", k.ToString(System.Globalization.CultureInfo.InvariantCulture)).Replace("{offset}", k == 0 ? "" : $" + {k} * Lanes")));

    private void MomentsByPosition(CodeWriter writer, VectorWidth? w)
    {
        if (w is not null)
        {
            string v = w.Helper, vt = Vt(w);
            WriteChannelGroups(writer, w, g => $$"""
                // One lane per channel; first pass: the sums.
                {{vt}} {{Each(g, "s{k} = " + vt + ".Zero", ", ")}};
                for (int r = 0; r < rows; r++)
                {
                    {{A}}* p = x + r * Channels + j;
                {{Each(g, "    s{k} += " + v + ".Load(p{offset});")}}
                }

                {{vt}} n = {{v}}.Create(({{A}})rows);
                {{vt}} {{Each(g, "mu{k} = s{k} / n", ", ")}};

                // Second pass over the chunk, still in L1: deviations and their squares.
                {{vt}} {{Each(g, "e{k} = " + vt + ".Zero, q{k} = e{k}", ", ")}};
                for (int r = 0; r < rows; r++)
                {
                    {{A}}* p = x + r * Channels + j;
                {{Each(g, "    " + vt + " d{k} = " + v + ".Load(p{offset}) - mu{k};\n    e{k} += d{k};\n    q{k} += d{k} * d{k};")}}
                }

                {{Each(g, vt + " shift{k} = e{k} / n, squares{k} = q{k} - e{k} * shift{k};\n" + v + ".Store(mu{k} + shift{k}, mean + j{offset});\n" + v + ".Store(" + v + ".ConditionalSelect(" + v + ".LessThan(squares{k}, " + vt + ".Zero), " + vt + ".Zero, squares{k}), m2 + j{offset});")}}
                """);
        }

        writer.Line($$"""
            {{ChannelTail(w)}}
            {
                {{A}} sum = 0;
                for (int r = 0; r < rows; r++) sum += x[r * Channels + j];
                {{A}} mu = sum / rows, deviations = 0, squares = 0;
                for (int r = 0; r < rows; r++) { {{A}} d = x[r * Channels + j] - mu; deviations += d; squares += d * d; }
                {{A}} shift = deviations / rows;
                mean[j] = mu + shift;
                squares -= deviations * shift;
                m2[j] = squares < 0 ? 0 : squares;
            }
            """);
    }

    private void NormalizeByPosition(CodeWriter writer, VectorWidth? w)
    {
        if (w is not null)
        {
            string v = w.Helper, vt = Vt(w);
            WriteChannelGroups(writer, w, g => $$"""
                {{Each(g, vt + " c{k} = " + v + ".Load(center + j{offset}), s{k} = " + v + ".Load(scale + j{offset}), t{k} = " + v + ".Load(shift + j{offset});")}}
                for (int r = 0; r < rows; r++)
                {
                    {{A}}* xr = x + r * Channels + j, yr = y + r * Channels + j;
                {{Each(g, "    " + vt + " y{k} = (" + v + ".Load(xr{offset}) - c{k}) * s{k} + t{k};")}}
                {{Each(g, "    " + v + ".Store(y{k}, yr{offset});")}}
                }
                """);
        }

        writer.Line($"{ChannelTail(w)}");
        writer.Line("{");
        writer.Line($"    {A} c = center[j], s = scale[j], t = shift[j];");
        writer.Line("    for (int r = 0; r < rows; r++) y[r * Channels + j] = (x[r * Channels + j] - c) * s + t;");
        writer.Line("}");
    }

    private void GradientSumsByPosition(CodeWriter writer, VectorWidth? w)
    {
        if (w is not null)
        {
            string v = w.Helper, vt = Vt(w);
            WriteChannelGroups(writer, w, g => $$"""
                {{Each(g, vt + " m{k} = " + v + ".Load(mean + j{offset}), g{k} = " + v + ".Load(sum + j{offset}), p{k} = " + v + ".Load(sumXmu + j{offset});")}}
                for (int r = 0; r < rows; r++)
                {
                    {{A}}* zr = dz + r * Channels + j, xr = x + r * Channels + j;
                {{Each(g, "    " + vt + " d{k} = " + v + ".Load(zr{offset});\n    g{k} += d{k};\n    p{k} += d{k} * (" + v + ".Load(xr{offset}) - m{k});")}}
                }

                {{Each(g, v + ".Store(g{k}, sum + j{offset});\n" + v + ".Store(p{k}, sumXmu + j{offset});")}}
                """);
        }

        writer.Line($$"""
            {{ChannelTail(w)}}
            {
                {{A}} g = sum[j], p = sumXmu[j], mu = mean[j];
                for (int r = 0; r < rows; r++) { {{A}} d = dz[r * Channels + j]; g += d; p += d * (x[r * Channels + j] - mu); }
                sum[j] = g;
                sumXmu[j] = p;
            }
            """);
    }

    private void InputGradientByPosition(CodeWriter writer, VectorWidth? w)
    {
        if (w is not null)
        {
            string v = w.Helper, vt = Vt(w);
            WriteChannelGroups(writer, w, g => $$"""
                {{Each(g, vt + " mu{k} = " + v + ".Load(mean + j{offset}), kk{k} = " + v + ".Load(k + j{offset}), sc{k} = " + v + ".Load(scale + j{offset}), cc{k} = " + v + ".Load(c1 + j{offset});")}}
                for (int r = 0; r < rows; r++)
                {
                    {{A}}* zr = dz + r * Channels + j, xr = x + r * Channels + j, dr = dx + r * Channels + j;
                {{Each(g, "    " + vt + " r{k} = (" + v + ".Load(zr{offset}) - cc{k} - (" + v + ".Load(xr{offset}) - mu{k}) * kk{k}) * sc{k};")}}
                {{Each(g, "    " + v + ".Store(r{k}, dr{offset});")}}
                }
                """);
        }

        writer.Line($"{ChannelTail(w)}");
        writer.Line("{");
        writer.Line($"    {A} m = mean[j], kk = k[j], s = scale[j], c = c1[j];");
        writer.Line("    for (int r = 0; r < rows; r++) dx[r * Channels + j] = (dz[r * Channels + j] - c - (x[r * Channels + j] - m) * kk) * s;");
        writer.Line("}");
    }

    private void ScaleGradientByPosition(CodeWriter writer, VectorWidth? w)
    {
        if (w is not null)
        {
            string v = w.Helper, vt = Vt(w);
            WriteChannelGroups(writer, w, g => $$"""
                {{Each(g, vt + " s{k} = " + v + ".Load(scale + j{offset});")}}
                for (int r = 0; r < rows; r++)
                {
                    {{A}}* zr = dz + r * Channels + j, dr = dx + r * Channels + j;
                {{Each(g, "    " + v + ".Store(" + v + ".Load(zr{offset}) * s{k}, dr{offset});")}}
                }
                """);
        }

        writer.Line($"{ChannelTail(w)}");
        writer.Line("{");
        writer.Line($"    {A} s = scale[j];");
        writer.Line("    for (int r = 0; r < rows; r++) dx[r * Channels + j] = dz[r * Channels + j] * s;");
        writer.Line("}");
    }
}
