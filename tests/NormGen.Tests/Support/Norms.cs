using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace NormGen.Tests.Support;

/// <summary>Every kernel declared in <see cref="TestNorms"/>, adapted to <see cref="NormCase"/>.</summary>
public static class Norms
{
    public static readonly NormCase Ln1 = LayerNorm("ln1", TestNorms.Ln1.RowLength, TestNorms.Ln1.Epsilon,
        (x, w, b, y, m, r) => TestNorms.Ln1.Forward(x, w, b, y, m, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.Ln1.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly NormCase Ln7 = LayerNorm("ln7", TestNorms.Ln7.RowLength, TestNorms.Ln7.Epsilon,
        (x, w, b, y, m, r) => TestNorms.Ln7.Forward(x, w, b, y, m, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.Ln7.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly NormCase Ln16 = LayerNorm("ln16", TestNorms.Ln16.RowLength, TestNorms.Ln16.Epsilon,
        (x, w, b, y, m, r) => TestNorms.Ln16.Forward(x, w, b, y, m, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.Ln16.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly NormCase Ln768 = LayerNorm("ln768", TestNorms.Ln768.RowLength, TestNorms.Ln768.Epsilon,
        (x, w, b, y, m, r) => TestNorms.Ln768.Forward(x, w, b, y, m, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.Ln768.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly NormCase Ln4099 = LayerNorm("ln4099", TestNorms.Ln4099.RowLength, TestNorms.Ln4099.Epsilon,
        (x, w, b, y, m, r) => TestNorms.Ln4099.Forward(x, w, b, y, m, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.Ln4099.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly NormCase Ln7d = LayerNorm("ln7d", TestNorms.Ln7d.RowLength, TestNorms.Ln7d.Epsilon,
        (x, w, b, y, m, r) => TestNorms.Ln7d.Forward(x, w, b, y, m, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.Ln7d.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly NormCase Ln768d = LayerNorm("ln768d", TestNorms.Ln768d.RowLength, TestNorms.Ln768d.Epsilon,
        (x, w, b, y, m, r) => TestNorms.Ln768d.Forward(x, w, b, y, m, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.Ln768d.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly NormCase Ln4099d = LayerNorm("ln4099d", TestNorms.Ln4099d.RowLength, TestNorms.Ln4099d.Epsilon,
        (x, w, b, y, m, r) => TestNorms.Ln4099d.Forward(x, w, b, y, m, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.Ln4099d.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly NormCase LnNoBias = new NormCase<float>("lnNoBias", true, TestNorms.LnNoBias.RowLength, TestNorms.LnNoBias.Epsilon, true, false,
        (x, w, b, y, m, r) => TestNorms.LnNoBias.Forward(x, w, y, m, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.LnNoBias.Backward(dy, x, w, m, r, dx, dw));

    public static readonly NormCase LnPlain = new NormCase<float>("lnPlain", true, TestNorms.LnPlain.RowLength, TestNorms.LnPlain.Epsilon, false, false,
        (x, w, b, y, m, r) => TestNorms.LnPlain.Forward(x, y, m, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.LnPlain.Backward(dy, x, m, r, dx));

    public static readonly NormCase LnChw = LayerNorm("lnChw", TestNorms.LnChw.RowLength, TestNorms.LnChw.Epsilon,
        (x, w, b, y, m, r) => TestNorms.LnChw.Forward(x, w, b, y, m, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.LnChw.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly NormCase LnLong = LayerNorm("lnLong", TestNorms.LnLong.RowLength, TestNorms.LnLong.Epsilon,
        (x, w, b, y, m, r) => TestNorms.LnLong.Forward(x, w, b, y, m, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.LnLong.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly NormCase LnLongNoBias = new NormCase<float>("lnLongNoBias", true, TestNorms.LnLongNoBias.RowLength, TestNorms.LnLongNoBias.Epsilon, true, false,
        (x, w, b, y, m, r) => TestNorms.LnLongNoBias.Forward(x, w, y, m, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.LnLongNoBias.Backward(dy, x, w, m, r, dx, dw));

    public static readonly NormCase LnLongPlainD = new NormCase<double>("lnLongPlainD", true, TestNorms.LnLongPlainD.RowLength, TestNorms.LnLongPlainD.Epsilon, false, false,
        (x, w, b, y, m, r) => TestNorms.LnLongPlainD.Forward(x, y, m, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.LnLongPlainD.Backward(dy, x, m, r, dx));

    public static readonly NormCase RmsLong = RmsNorm("rmsLong", TestNorms.RmsLong.RowLength, TestNorms.RmsLong.Epsilon,
        (x, w, b, y, m, r) => TestNorms.RmsLong.Forward(x, w, y, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.RmsLong.Backward(dy, x, w, r, dx, dw));

    public static readonly NormCase RmsLongD = RmsNorm("rmsLongD", TestNorms.RmsLongD.RowLength, TestNorms.RmsLongD.Epsilon,
        (x, w, b, y, m, r) => TestNorms.RmsLongD.Forward(x, w, y, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.RmsLongD.Backward(dy, x, w, r, dx, dw));

    public static readonly NormCase Rms1 = RmsNorm("rms1", TestNorms.Rms1.RowLength, TestNorms.Rms1.Epsilon,
        (x, w, b, y, m, r) => TestNorms.Rms1.Forward(x, w, y, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.Rms1.Backward(dy, x, w, r, dx, dw));

    public static readonly NormCase Rms7 = RmsNorm("rms7", TestNorms.Rms7.RowLength, TestNorms.Rms7.Epsilon,
        (x, w, b, y, m, r) => TestNorms.Rms7.Forward(x, w, y, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.Rms7.Backward(dy, x, w, r, dx, dw));

    public static readonly NormCase Rms768 = RmsNorm("rms768", TestNorms.Rms768.RowLength, TestNorms.Rms768.Epsilon,
        (x, w, b, y, m, r) => TestNorms.Rms768.Forward(x, w, y, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.Rms768.Backward(dy, x, w, r, dx, dw));

    public static readonly NormCase Rms4099 = RmsNorm("rms4099", TestNorms.Rms4099.RowLength, TestNorms.Rms4099.Epsilon,
        (x, w, b, y, m, r) => TestNorms.Rms4099.Forward(x, w, y, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.Rms4099.Backward(dy, x, w, r, dx, dw));

    public static readonly NormCase Rms7d = RmsNorm("rms7d", TestNorms.Rms7d.RowLength, TestNorms.Rms7d.Epsilon,
        (x, w, b, y, m, r) => TestNorms.Rms7d.Forward(x, w, y, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.Rms7d.Backward(dy, x, w, r, dx, dw));

    public static readonly NormCase Rms4099d = RmsNorm("rms4099d", TestNorms.Rms4099d.RowLength, TestNorms.Rms4099d.Epsilon,
        (x, w, b, y, m, r) => TestNorms.Rms4099d.Forward(x, w, y, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.Rms4099d.Backward(dy, x, w, r, dx, dw));

    public static readonly NormCase RmsPlain = new NormCase<float>("rmsPlain", false, TestNorms.RmsPlain.RowLength, TestNorms.RmsPlain.Epsilon, false, false,
        (x, w, b, y, m, r) => TestNorms.RmsPlain.Forward(x, y, r), (dy, x, w, m, r, dx, dw, db) => TestNorms.RmsPlain.Backward(dy, x, r, dx));

    public static IEnumerable<NormCase> All =>
    [
        Ln1, Ln7, Ln16, Ln768, Ln4099, Ln7d, Ln768d, Ln4099d, LnNoBias, LnPlain, LnChw, LnLong, LnLongNoBias, LnLongPlainD,
        Rms1, Rms7, Rms768, Rms4099, Rms7d, Rms4099d, RmsPlain, RmsLong, RmsLongD,
    ];

    /// <summary>Every kernel, as xunit theory data.</summary>
    public static TheoryData<string> Names => new(All.Select(n => n.Name));

    /// <summary>Every double-precision kernel, for finite-difference checks.</summary>
    public static TheoryData<string> DoubleNames => new(All.Where(n => n.IsDouble).Select(n => n.Name));

    public static NormCase Named(string name) => All.Single(n => n.Name == name);

    private static NormCase LayerNorm<T>(string name, int rowLength, T epsilon, ForwardKernel<T> forward, BackwardKernel<T> backward)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => new NormCase<T>(name, true, rowLength, epsilon, true, true, forward, backward);

    private static NormCase RmsNorm<T>(string name, int rowLength, T epsilon, ForwardKernel<T> forward, BackwardKernel<T> backward)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => new NormCase<T>(name, false, rowLength, epsilon, true, false, forward, backward);
}
