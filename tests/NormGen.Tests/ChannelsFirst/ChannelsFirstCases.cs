using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using K = NormGen.Tests.ChannelsFirst.ChannelsFirstNorms;

namespace NormGen.Tests.ChannelsFirst;

/// <summary>Every kernel declared in <see cref="ChannelsFirstNorms"/>, adapted to <see cref="ColumnCase"/>.</summary>
public static class ChannelsFirstCases
{
    public static readonly ColumnCase C96 = new ColumnCase<float, float>(
        "cfC96", true, K.CfC96.Reduced, K.CfC96.Inner, K.CfC96.Epsilon, true, true, FusedActivation.None,
        (x, w, b, y, m, r) => K.CfC96.Forward(x, w, b, y, m, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.CfC96.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly ColumnCase C1 = new ColumnCase<float, float>(
        "cfC1", true, K.CfC1.Reduced, K.CfC1.Inner, K.CfC1.Epsilon, true, true, FusedActivation.None,
        (x, w, b, y, m, r) => K.CfC1.Forward(x, w, b, y, m, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.CfC1.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly ColumnCase FiveD = new ColumnCase<float, float>(
        "cf5d", true, K.Cf5d.Reduced, K.Cf5d.Inner, K.Cf5d.Epsilon, true, true, FusedActivation.None,
        (x, w, b, y, m, r) => K.Cf5d.Forward(x, w, b, y, m, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.Cf5d.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly ColumnCase FiveDTwoAxes = new ColumnCase<float, float>(
        "cf5dTwoAxes", true, K.Cf5dTwoAxes.Reduced, K.Cf5dTwoAxes.Inner, K.Cf5dTwoAxes.Epsilon, true, true, FusedActivation.None,
        (x, w, b, y, m, r) => K.Cf5dTwoAxes.Forward(x, w, b, y, m, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.Cf5dTwoAxes.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly ColumnCase Wide = new ColumnCase<float, float>(
        "cfWide", true, K.CfWide.Reduced, K.CfWide.Inner, K.CfWide.Epsilon, true, true, FusedActivation.None,
        (x, w, b, y, m, r) => K.CfWide.Forward(x, w, b, y, m, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.CfWide.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly ColumnCase NoBias = new ColumnCase<float, float>(
        "cfNoBias", true, K.CfNoBias.Reduced, K.CfNoBias.Inner, K.CfNoBias.Epsilon, true, false, FusedActivation.None,
        (x, w, b, y, m, r) => K.CfNoBias.Forward(x, w, y, m, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.CfNoBias.Backward(dy, x, w, m, r, dx, dw));

    public static readonly ColumnCase Plain = new ColumnCase<float, float>(
        "cfPlain", true, K.CfPlain.Reduced, K.CfPlain.Inner, K.CfPlain.Epsilon, false, false, FusedActivation.None,
        (x, w, b, y, m, r) => K.CfPlain.Forward(x, y, m, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.CfPlain.Backward(dy, x, m, r, dx));

    public static readonly ColumnCase Double = new ColumnCase<double, double>(
        "cfDouble", true, K.CfDouble.Reduced, K.CfDouble.Inner, K.CfDouble.Epsilon, true, true, FusedActivation.None,
        (x, w, b, y, m, r) => K.CfDouble.Forward(x, w, b, y, m, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.CfDouble.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly ColumnCase Rms = new ColumnCase<float, float>(
        "cfRms", false, K.CfRms.Reduced, K.CfRms.Inner, K.CfRms.Epsilon, true, false, FusedActivation.None,
        (x, w, b, y, m, r) => K.CfRms.Forward(x, w, y, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.CfRms.Backward(dy, x, w, r, dx, dw));

    public static readonly ColumnCase RmsDouble = new ColumnCase<double, double>(
        "cfRmsDouble", false, K.CfRmsDouble.Reduced, K.CfRmsDouble.Inner, K.CfRmsDouble.Epsilon, true, false, FusedActivation.None,
        (x, w, b, y, m, r) => K.CfRmsDouble.Forward(x, w, y, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.CfRmsDouble.Backward(dy, x, w, r, dx, dw));

    public static readonly ColumnCase HalfCase = new ColumnCase<Half, float>(
        "cfHalf", true, K.CfHalf.Reduced, K.CfHalf.Inner, K.CfHalf.Epsilon, true, true, FusedActivation.None,
        (x, w, b, y, m, r) => K.CfHalf.Forward(x, w, b, y, m, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.CfHalf.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly ColumnCase HalfWide = new ColumnCase<Half, float>(
        "cfHalfWide", true, K.CfHalfWide.Reduced, K.CfHalfWide.Inner, K.CfHalfWide.Epsilon, true, true, FusedActivation.None,
        (x, w, b, y, m, r) => K.CfHalfWide.Forward(x, w, b, y, m, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.CfHalfWide.Backward(dy, x, w, m, r, dx, dw, db));

    public static readonly ColumnCase RmsHalf = new ColumnCase<Half, float>(
        "cfRmsHalf", false, K.CfRmsHalf.Reduced, K.CfRmsHalf.Inner, K.CfRmsHalf.Epsilon, true, false, FusedActivation.None,
        (x, w, b, y, m, r) => K.CfRmsHalf.Forward(x, w, y, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.CfRmsHalf.Backward(dy, x, w, r, dx, dw));

    public static readonly ColumnCase Gelu = new ColumnCase<float, float>(
        "cfGelu", true, K.CfGelu.Reduced, K.CfGelu.Inner, K.CfGelu.Epsilon, true, true, FusedActivation.Gelu,
        (x, w, b, y, m, r) => K.CfGelu.Forward(x, w, b, y, m, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.CfGelu.Backward(dy, x, w, b, m, r, dx, dw, db));

    public static readonly ColumnCase Relu = new ColumnCase<float, float>(
        "cfRelu", true, K.CfRelu.Reduced, K.CfRelu.Inner, K.CfRelu.Epsilon, true, true, FusedActivation.Relu,
        (x, w, b, y, m, r) => K.CfRelu.Forward(x, w, b, y, m, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.CfRelu.Backward(dy, x, w, b, m, r, dx, dw, db));

    public static readonly ColumnCase RmsGeluTanh = new ColumnCase<float, float>(
        "cfRmsGeluTanh", false, K.CfRmsGeluTanh.Reduced, K.CfRmsGeluTanh.Inner, K.CfRmsGeluTanh.Epsilon, true, false, FusedActivation.GeluTanh,
        (x, w, b, y, m, r) => K.CfRmsGeluTanh.Forward(x, w, y, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.CfRmsGeluTanh.Backward(dy, x, w, r, dx, dw));

    public static readonly ColumnCase SiluDouble = new ColumnCase<double, double>(
        "cfSiluDouble", true, K.CfSiluDouble.Reduced, K.CfSiluDouble.Inner, K.CfSiluDouble.Epsilon, true, true, FusedActivation.Silu,
        (x, w, b, y, m, r) => K.CfSiluDouble.Forward(x, w, b, y, m, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.CfSiluDouble.Backward(dy, x, w, b, m, r, dx, dw, db));

    public static readonly ColumnCase SiluHalf = new ColumnCase<Half, float>(
        "cfSiluHalf", true, K.CfSiluHalf.Reduced, K.CfSiluHalf.Inner, K.CfSiluHalf.Epsilon, true, true, FusedActivation.Silu,
        (x, w, b, y, m, r) => K.CfSiluHalf.Forward(x, w, b, y, m, r),
        (dy, x, w, b, m, r, dx, dw, db) => K.CfSiluHalf.Backward(dy, x, w, b, m, r, dx, dw, db));

    public static IEnumerable<ColumnCase> All =>
    [
        C96, C1, FiveD, FiveDTwoAxes, Wide, NoBias, Plain, Double, Rms, RmsDouble,
        HalfCase, HalfWide, RmsHalf, Gelu, Relu, RmsGeluTanh, SiluDouble, SiluHalf,
    ];

    /// <summary>Every kernel, as xunit theory data.</summary>
    public static TheoryData<string> Names => new(All.Select(n => n.Name));

    /// <summary>Every double-precision kernel, for finite-difference checks.</summary>
    public static TheoryData<string> DoubleNames => new(All.Where(n => n.IsDouble).Select(n => n.Name));

    public static ColumnCase Named(string name) => All.Single(n => n.Name == name);
}
