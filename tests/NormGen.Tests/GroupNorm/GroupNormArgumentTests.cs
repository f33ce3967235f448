using System;
using Xunit;
using static NormGen.Tests.GroupNorm.GroupNormTestNorms;

namespace NormGen.Tests.GroupNorm;

/// <summary>Every span is checked before any memory is touched, and a wrong one is named in the exception.</summary>
public class GroupNormArgumentTests
{
    private const int Length = 2 * GnFirst.SampleLength, Count = 2 * GnFirst.Groups;

    [Fact]
    public void Forward_names_the_span_with_the_wrong_length()
    {
        float[] x = new float[Length], w = new float[GnFirst.Channels], b = new float[GnFirst.Channels], y = new float[Length];
        AssertNames("input", () => GnFirst.Forward(new float[Length - 1], w, b, new float[Length - 1]));
        AssertNames("weight", () => GnFirst.Forward(x, new float[11], b, y));
        AssertNames("bias", () => GnFirst.Forward(x, w, new float[13], y));
        AssertNames("output", () => GnFirst.Forward(x, w, b, new float[Length + GnFirst.SampleLength]));
        AssertNames("mean", () => GnFirst.Forward(x, w, b, y, new float[Count + 1], new float[Count]));
        AssertNames("rstd", () => GnFirst.Forward(x, w, b, y, new float[Count], new float[1]));
        GnFirst.Forward(x, w, b, y, new float[Count], Span<float>.Empty);
    }

    [Fact]
    public void Backward_names_the_span_with_the_wrong_length()
    {
        float[] dy = new float[Length], x = new float[Length], w = new float[GnFirst.Channels], mean = new float[Count], rstd = new float[Count];
        float[] dx = new float[Length], dw = new float[GnFirst.Channels], db = new float[GnFirst.Channels];
        AssertNames("gradOutput", () => GnFirst.Backward(new float[Length - GnFirst.SampleLength], x, w, mean, rstd, dx, dw, db));
        AssertNames("weight", () => GnFirst.Backward(dy, x, new float[3], mean, rstd, dx, dw, db));
        AssertNames("mean", () => GnFirst.Backward(dy, x, w, new float[Count - 1], rstd, dx, dw, db));
        AssertNames("rstd", () => GnFirst.Backward(dy, x, w, mean, Span<float>.Empty, dx, dw, db));
        AssertNames("gradInput", () => GnFirst.Backward(dy, x, w, mean, rstd, new float[1], dw, db));
        AssertNames("gradWeight", () => GnFirst.Backward(dy, x, w, mean, rstd, dx, new float[1], db));
        AssertNames("gradBias", () => GnFirst.Backward(dy, x, w, mean, rstd, dx, dw, new float[13]));
        GnFirst.Backward(dy, x, w, mean, rstd, dx, Span<float>.Empty, Span<float>.Empty);
    }

    [Fact]
    public void Outputs_may_be_their_input_but_not_overlap_it_partly()
    {
        float[] buffer = new float[Length + 1], w = new float[GnFirst.Channels], b = new float[GnFirst.Channels];
        AssertNames("output", () => GnFirst.Forward(buffer.AsSpan(0, Length), w, b, buffer.AsSpan(1, Length)));
        GnFirst.Forward(buffer.AsSpan(0, Length), w, b, buffer.AsSpan(0, Length));

        float[] x = new float[Length], mean = new float[Count], rstd = new float[Count];
        AssertNames("gradInput", () => GnFirst.Backward(buffer.AsSpan(0, Length), x, w, mean, rstd, buffer.AsSpan(1, Length), default, default));
    }

    [Fact]
    public void Running_statistics_must_have_one_element_per_channel()
    {
        float[] x = new float[InRunning.SampleLength], w = new float[12], b = new float[12], y = new float[x.Length];
        AssertNames("runningMean", () => InRunning.ForwardTraining(x, w, b, y, new float[11], new float[12]));
        AssertNames("runningVar", () => InRunning.ForwardTraining(x, w, b, y, new float[12], new float[13]));
        AssertNames("runningMean", () => InRunning.ForwardEval(x, w, b, new float[1], new float[12], y));
        AssertNames("runningVar", () => InRunning.ForwardEval(x, w, b, new float[12], Span<float>.Empty, y));
    }

    [Fact]
    public void The_shape_constants_describe_the_declaration()
    {
        Assert.Equal((12, 3, 4, 35, 420, 140), (GnFirst.Channels, GnFirst.Groups, GnFirst.ChannelsPerGroup, GnFirst.Spatial, GnFirst.SampleLength, GnFirst.GroupLength));
        Assert.Equal((12, 12, 1, 35), (InLast.Channels, InLast.Groups, InLast.ChannelsPerGroup, InLast.GroupLength));
        Assert.Equal(1e-3f, GnOneGroup.Epsilon);
        Assert.Equal(0.2f, InRunning.Momentum);
        Assert.Equal(3, GnFirst.BatchSize(3 * GnFirst.SampleLength));
        AssertNames("length", () => GnFirst.BatchSize(GnFirst.SampleLength + 1));
    }

    private delegate void Call();

    private static void AssertNames(string parameter, Call call)
    {
        ArgumentException exception = Assert.ThrowsAny<ArgumentException>(() => call());
        Assert.Equal(parameter, exception.ParamName);
    }
}
