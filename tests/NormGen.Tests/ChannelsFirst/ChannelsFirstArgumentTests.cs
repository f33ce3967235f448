using System;
using System.Linq;
using Xunit;
using K = NormGen.Tests.ChannelsFirst.ChannelsFirstNorms;

namespace NormGen.Tests.ChannelsFirst;

/// <summary>The channels-first kernels' public surface: constants, and argument checks that name the argument.</summary>
public class ChannelsFirstArgumentTests
{
    private const int Length = 2 * K.CfC96.Reduced * K.CfC96.Inner;

    [Fact]
    public void Constants_describe_the_specialized_shape()
    {
        Assert.Equal(96, K.CfC96.Reduced);
        Assert.Equal(7 * 9, K.CfC96.Inner);
        Assert.Equal(1e-5f, K.CfC96.Epsilon);
        Assert.Equal([96], K.CfC96.NormalizedShape.ToArray());
        Assert.Equal([6, 3], K.Cf5dTwoAxes.NormalizedShape.ToArray());
        Assert.Equal(4 * 5, K.Cf5dTwoAxes.Inner);
        Assert.Equal(2, K.CfC96.OuterCount(Length));
        Assert.Equal(2 * 63, K.CfC96.ColumnCount(Length));
    }

    [Theory]
    [InlineData("input")]
    [InlineData("weight")]
    [InlineData("bias")]
    [InlineData("output")]
    [InlineData("mean")]
    [InlineData("rstd")]
    public void Forward_names_the_argument_whose_length_is_wrong(string argument)
    {
        int columns = 2 * K.CfC96.Inner;
        float[] x = new float[argument == "input" ? Length + 1 : Length];
        float[] w = new float[argument == "weight" ? 95 : 96], b = new float[argument == "bias" ? 97 : 96];
        float[] y = new float[argument == "output" ? Length - 1 : argument == "input" ? Length + 1 : Length];
        float[] mean = new float[argument == "mean" ? columns - 1 : columns], rstd = new float[argument == "rstd" ? columns + 1 : columns];

        var e = Assert.Throws<ArgumentException>(() => K.CfC96.Forward(x, w, b, y, mean, rstd));
        Assert.Equal(argument, e.ParamName);
    }

    [Theory]
    [InlineData("gradOutput")]
    [InlineData("mean")]
    [InlineData("rstd")]
    [InlineData("gradInput")]
    [InlineData("gradWeight")]
    public void Backward_names_the_argument_whose_length_is_wrong(string argument)
    {
        int columns = 2 * K.CfC96.Inner;
        float[] x = new float[Length], w = new float[96];
        float[] dy = new float[argument == "gradOutput" ? Length - 96 : Length];
        float[] mean = new float[argument == "mean" ? 0 : columns], rstd = new float[argument == "rstd" ? columns * 2 : columns];
        float[] dx = new float[argument == "gradInput" ? 1 : Length];
        float[] dw = new float[argument == "gradWeight" ? 3 : 96], db = new float[96];

        var e = Assert.Throws<ArgumentException>(() => K.CfC96.Backward(dy, x, w, mean, rstd, dx, dw, db));
        Assert.Equal(argument, e.ParamName);
    }

    [Fact]
    public void An_output_that_partly_overlaps_the_input_is_rejected()
    {
        float[] buffer = new float[Length + 8];
        float[] w = new float[96], b = new float[96];
        var e = Assert.Throws<ArgumentException>(() => K.CfC96.Forward(buffer.AsSpan(0, Length), w, b, buffer.AsSpan(8, Length)));
        Assert.Equal("output", e.ParamName);
    }

    [Fact]
    public void An_empty_input_has_no_outer_indices_and_zero_parameter_gradients()
    {
        float[] w = new float[96], b = new float[96], dw = [.. new float[96].Select(_ => 1f)], db = [.. new float[96].Select(_ => 1f)];
        K.CfC96.Forward([], w, b, [], [], []);
        K.CfC96.Backward([], [], w, [], [], [], dw, db);
        Assert.Equal(0, K.CfC96.OuterCount(0));
        Assert.All(dw, v => Assert.Equal(0f, v));
        Assert.All(db, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Empty_statistics_and_parameter_gradients_are_skipped()
    {
        float[] x = new float[Length], w = new float[96], b = new float[96], y = new float[Length];
        float[] mean = new float[2 * K.CfC96.Inner], rstd = new float[2 * K.CfC96.Inner], dx = new float[Length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = MathF.Sin(i);
        }

        K.CfC96.Forward(x, w, b, y, Span<float>.Empty, rstd);
        K.CfC96.Forward(x, w, b, y, mean, rstd);
        K.CfC96.Backward(x, x, w, mean, rstd, dx, Span<float>.Empty, Span<float>.Empty);
        Assert.All(dx, v => Assert.False(float.IsNaN(v)));
    }
}
