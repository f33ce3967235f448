using System;
using Xunit;

namespace NormGen.Tests;

/// <summary>
/// Every public kernel entry point checks its spans before touching memory, throws an
/// <see cref="ArgumentException"/> naming the offending argument, and writes only inside its outputs.
/// </summary>
public class ArgumentTests
{
    private const int D = TestNorms.Ln7.RowLength;

    private static float[] Filled(int length, float value = 1)
    {
        var values = new float[length];
        Array.Fill(values, value);
        return values;
    }

    [Theory]
    [InlineData("input")]
    [InlineData("weight")]
    [InlineData("bias")]
    [InlineData("output")]
    [InlineData("mean")]
    [InlineData("rstd")]
    public void Forward_names_the_span_whose_length_is_wrong(string wrong)
    {
        int rows = 3;
        float[] x = Filled(wrong == "input" ? rows * D + 1 : rows * D);
        float[] w = Filled(wrong == "weight" ? D - 1 : D);
        float[] b = Filled(wrong == "bias" ? D + 1 : D);
        float[] y = new float[wrong == "output" ? rows * D - 1 : rows * D];
        float[] mean = new float[wrong == "mean" ? rows + 1 : rows];
        float[] rstd = new float[wrong == "rstd" ? rows - 1 : rows];

        var error = Assert.ThrowsAny<ArgumentException>(() => TestNorms.Ln7.Forward(x, w, b, y, mean, rstd));
        Assert.Equal(wrong, error.ParamName);
        Assert.All(y, v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData("gradOutput")]
    [InlineData("input")]
    [InlineData("weight")]
    [InlineData("mean")]
    [InlineData("rstd")]
    [InlineData("gradInput")]
    [InlineData("gradWeight")]
    [InlineData("gradBias")]
    public void Backward_names_the_span_whose_length_is_wrong(string wrong)
    {
        int rows = 2;
        float[] dy = Filled(wrong == "gradOutput" ? rows * D + D : rows * D);
        float[] x = Filled(wrong == "input" ? rows * D + 2 : rows * D);
        float[] w = Filled(wrong == "weight" ? 2 * D : D);
        float[] mean = new float[wrong == "mean" ? rows + 1 : rows];
        float[] rstd = Filled(wrong == "rstd" ? 0 : rows);
        float[] dx = new float[wrong == "gradInput" ? rows * D + 1 : rows * D];
        float[] dw = new float[wrong == "gradWeight" ? D - 1 : D];
        float[] db = new float[wrong == "gradBias" ? 1 : D];

        var error = Assert.ThrowsAny<ArgumentException>(() => TestNorms.Ln7.Backward(dy, x, w, mean, rstd, dx, dw, db));
        Assert.Equal(wrong, error.ParamName);
        Assert.All(dx, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void An_output_that_partly_overlaps_the_input_is_rejected()
    {
        float[] buffer = Filled(4 * D);
        float[] w = Filled(D), b = new float[D];

        var error = Assert.ThrowsAny<ArgumentException>(() =>
            TestNorms.Ln7.Forward(buffer.AsSpan(0, 3 * D), w, b, buffer.AsSpan(1, 3 * D)));
        Assert.Equal("output", error.ParamName);
    }

    [Fact]
    public void The_output_may_be_the_input_itself()
    {
        float[] x = [1, 2, 3, 4, 5, 6, 7, -1, 0, 1, 0, -1, 0, 1];
        float[] expected = new float[x.Length];
        float[] w = Filled(D), b = new float[D];
        TestNorms.Ln7.Forward(x, w, b, expected);

        TestNorms.Ln7.Forward(x, w, b, x);

        Assert.Equal(expected, x);
    }

    [Fact]
    public void Optional_statistics_and_parameter_gradients_may_be_empty()
    {
        float[] x = [1, 2, 3, 4, 5, 6, 7];
        float[] w = Filled(D), b = new float[D], y = new float[D], mean = new float[1], rstd = new float[1], dx = new float[D], dw = new float[D];
        TestNorms.Ln7.Forward(x, w, b, y, mean, rstd);

        TestNorms.Ln7.Backward(Filled(D), x, w, mean, rstd, dx, dw, gradBias: default);

        Assert.NotEqual(0f, rstd[0]);
        Assert.Contains(dw, v => v != 0);
    }

    [Fact]
    public void Kernels_write_nothing_outside_their_output_slices()
    {
        // Outputs are slices in the middle of sentinel-filled arrays: any stray write shows up.
        const float Sentinel = -12345f;
        int rows = 5, pad = 64;
        float[] x = new float[rows * D];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = MathF.Sin(i);
        }

        float[] y = Filled(rows * D + 2 * pad, Sentinel);
        float[] mean = Filled(rows + 2 * pad, Sentinel), rstd = Filled(rows + 2 * pad, Sentinel);
        float[] dx = Filled(rows * D + 2 * pad, Sentinel), dw = Filled(D + 2 * pad, Sentinel), db = Filled(D + 2 * pad, Sentinel);
        float[] w = Filled(D), b = new float[D];

        TestNorms.Ln7.Forward(x, w, b, y.AsSpan(pad, rows * D), mean.AsSpan(pad, rows), rstd.AsSpan(pad, rows));
        TestNorms.Ln7.Backward(x, x, w, mean.AsSpan(pad, rows), rstd.AsSpan(pad, rows), dx.AsSpan(pad, rows * D), dw.AsSpan(pad, D), db.AsSpan(pad, D));

        foreach (float[] buffer in new[] { y, mean, rstd, dx, dw, db })
        {
            Assert.All(buffer.AsSpan(0, pad).ToArray(), v => Assert.Equal(Sentinel, v));
            Assert.All(buffer.AsSpan(buffer.Length - pad).ToArray(), v => Assert.Equal(Sentinel, v));
            Assert.DoesNotContain(Sentinel, buffer.AsSpan(pad, buffer.Length - 2 * pad).ToArray());
        }
    }

    [Fact]
    public void An_empty_input_is_zero_rows()
    {
        float[] w = Filled(D), b = new float[D], dw = Filled(D, 5), db = Filled(D, 5);

        TestNorms.Ln7.Forward([], w, b, []);
        TestNorms.Ln7.Backward([], [], w, [], [], [], dw, db);

        Assert.Equal(0, TestNorms.Ln7.RowCount(0));
        Assert.All(dw, v => Assert.Equal(0f, v));
        Assert.All(db, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void An_empty_input_is_zero_rows_for_long_rows_too()
    {
        const int L = TestNorms.LnLong.RowLength;
        float[] w = Filled(L), b = new float[L], dw = Filled(L, 5), db = Filled(L, 5);

        TestNorms.LnLong.Forward([], w, b, []);
        TestNorms.LnLong.Backward([], [], w, [], [], [], dw, db);

        Assert.All(dw, v => Assert.Equal(0f, v));
        Assert.All(db, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Rms_norm_checks_its_spans_too()
    {
        int d = TestNorms.Rms7.RowLength;
        var error = Assert.ThrowsAny<ArgumentException>(() => TestNorms.Rms7.Forward(new float[2 * d], new float[d + 1], new float[2 * d]));
        Assert.Equal("weight", error.ParamName);

        error = Assert.ThrowsAny<ArgumentException>(() => TestNorms.Rms7.Backward(new float[d], new float[d], new float[d], new float[2], new float[d], new float[d]));
        Assert.Equal("rstd", error.ParamName);
    }
}
