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
            using (writer.Block($"private static void {name}{width.Name}({parameters})"))
            {
                writer.Line($"const int Lanes = {Number(width.Lanes(_a))};");
                body(writer, width);
            }
        }

        writer.Line();
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

    private void MomentsByPosition(CodeWriter writer, VectorWidth? w)
    {
        if (w is not null)
        {
            string v = w.Helper, vt = Vt(w);
            writer.Line($$"""
                int j = 0;
                for (; j <= Channels - Lanes; j += Lanes)
                {
                    // One lane per channel; two accumulators over alternate positions.
                    {{vt}} s0 = {{vt}}.Zero, s1 = s0;
                    int r = 0;
                    for (; r <= rows - 2; r += 2)
                    {
                        s0 += {{v}}.Load(x + r * Channels + j);
                        s1 += {{v}}.Load(x + (r + 1) * Channels + j);
                    }

                    if (r < rows) s0 += {{v}}.Load(x + r * Channels + j);
                    {{vt}} n = {{v}}.Create(({{A}})rows);
                    {{vt}} mu = (s0 + s1) / n;

                    // Second pass over the chunk, still in L1: deviations and their squares.
                    {{vt}} e0 = {{vt}}.Zero, e1 = e0, q0 = e0, q1 = e0;
                    for (r = 0; r <= rows - 2; r += 2)
                    {
                        {{vt}} d0 = {{v}}.Load(x + r * Channels + j) - mu;
                        {{vt}} d1 = {{v}}.Load(x + (r + 1) * Channels + j) - mu;
                        e0 += d0;
                        e1 += d1;
                        q0 += d0 * d0;
                        q1 += d1 * d1;
                    }

                    if (r < rows)
                    {
                        {{vt}} d = {{v}}.Load(x + r * Channels + j) - mu;
                        e0 += d;
                        q0 += d * d;
                    }

                    {{vt}} deviations = e0 + e1, shift = deviations / n, squares = (q0 + q1) - deviations * shift;
                    {{v}}.Store(mu + shift, mean + j);
                    {{v}}.Store({{v}}.ConditionalSelect({{v}}.LessThan(squares, {{vt}}.Zero), {{vt}}.Zero, squares), m2 + j);
                }

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
        string v = w?.Helper ?? "";
        writer.Line("for (int r = 0; r < rows; r++)");
        writer.Line("{");
        writer.Line($"    {A}* xr = x + r * Channels, yr = y + r * Channels;");
        if (w is not null)
        {
            writer.Line("    int j = 0;");
            writer.Line("    for (; j <= Channels - Lanes; j += Lanes)");
            writer.Line("    {");
            writer.Line($"        {v}.Store(({v}.Load(xr + j) - {v}.Load(center + j)) * {v}.Load(scale + j) + {v}.Load(shift + j), yr + j);");
            writer.Line("    }");
            writer.Line();
        }

        writer.Line($"    {ChannelTail(w)} yr[j] = (xr[j] - center[j]) * scale[j] + shift[j];");
        writer.Line("}");
    }

    private void GradientSumsByPosition(CodeWriter writer, VectorWidth? w)
    {
        if (w is not null)
        {
            string v = w.Helper, vt = Vt(w);
            writer.Line($$"""
                int j = 0;
                for (; j <= Channels - Lanes; j += Lanes)
                {
                    {{vt}} m = {{v}}.Load(mean + j), g0 = {{v}}.Load(sum + j), g1 = {{vt}}.Zero, p0 = {{v}}.Load(sumXmu + j), p1 = g1;
                    int r = 0;
                    for (; r <= rows - 2; r += 2)
                    {
                        {{vt}} d0 = {{v}}.Load(dz + r * Channels + j);
                        {{vt}} d1 = {{v}}.Load(dz + (r + 1) * Channels + j);
                        g0 += d0;
                        g1 += d1;
                        p0 += d0 * ({{v}}.Load(x + r * Channels + j) - m);
                        p1 += d1 * ({{v}}.Load(x + (r + 1) * Channels + j) - m);
                    }

                    if (r < rows)
                    {
                        {{vt}} d = {{v}}.Load(dz + r * Channels + j);
                        g0 += d;
                        p0 += d * ({{v}}.Load(x + r * Channels + j) - m);
                    }

                    {{v}}.Store(g0 + g1, sum + j);
                    {{v}}.Store(p0 + p1, sumXmu + j);
                }

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
        string v = w?.Helper ?? "";
        writer.Line("for (int r = 0; r < rows; r++)");
        writer.Line("{");
        writer.Line($"    {A}* dzr = dz + r * Channels, xr = x + r * Channels, dxr = dx + r * Channels;");
        if (w is not null)
        {
            writer.Line("    int j = 0;");
            writer.Line("    for (; j <= Channels - Lanes; j += Lanes)");
            writer.Line("    {");
            writer.Line($"        {v}.Store(({v}.Load(dzr + j) - {v}.Load(c1 + j) - ({v}.Load(xr + j) - {v}.Load(mean + j)) * {v}.Load(k + j)) * {v}.Load(scale + j), dxr + j);");
            writer.Line("    }");
            writer.Line();
        }

        writer.Line($"    {ChannelTail(w)} dxr[j] = (dzr[j] - c1[j] - (xr[j] - mean[j]) * k[j]) * scale[j];");
        writer.Line("}");
    }

    private void ScaleGradientByPosition(CodeWriter writer, VectorWidth? w)
    {
        string v = w?.Helper ?? "";
        writer.Line("for (int r = 0; r < rows; r++)");
        writer.Line("{");
        writer.Line($"    {A}* dzr = dz + r * Channels, dxr = dx + r * Channels;");
        if (w is not null)
        {
            writer.Line("    int j = 0;");
            writer.Line($"    for (; j <= Channels - Lanes; j += Lanes) {v}.Store({v}.Load(dzr + j) * {v}.Load(scale + j), dxr + j);");
        }

        writer.Line($"    {ChannelTail(w)} dxr[j] = dzr[j] * scale[j];");
        writer.Line("}");
    }
}
