using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using static NormGen.Tests.GroupNorm.GroupNormTestNorms;

namespace NormGen.Tests.GroupNorm;

/// <summary>Every kernel of <see cref="GroupNormTestNorms"/>, by name, behind the uniform float64 interface.</summary>
public static class GroupNormCases
{
    private static readonly Dictionary<string, GroupNormCase> ByName = Build().ToDictionary(c => c.Name);

    public static GroupNormCase Named(string name) => ByName[name];

    public static IEnumerable<GroupNormCase> All => ByName.Values;

    public static TheoryData<string> Names(Func<GroupNormCase, bool>? filter = null)
    {
        var data = new TheoryData<string>();
        foreach (GroupNormCase norm in ByName.Values.Where(filter ?? (_ => true)))
        {
            data.Add(norm.Name);
        }

        return data;
    }

    private static GroupNormShape First(int channels, int groups, int spatial) => new(channels, groups, spatial, ChannelsLast: false);

    private static GroupNormShape Last(int channels, int groups, int spatial) => new(channels, groups, spatial, ChannelsLast: true);

    private static IEnumerable<GroupNormCase> Build()
    {
        yield return new GroupNormCase<float, float>("gnFirst", First(GnFirst.Channels, GnFirst.Groups, GnFirst.Spatial), GnFirst.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => GnFirst.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnFirst.Backward(dy, x, w, m, r, dx, dw, db));
        yield return new GroupNormCase<double, double>("gnFirstD", First(GnFirstD.Channels, GnFirstD.Groups, GnFirstD.Spatial), GnFirstD.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => GnFirstD.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnFirstD.Backward(dy, x, w, m, r, dx, dw, db));
        yield return new GroupNormCase<float, float>("gnLast", Last(GnLast.Channels, GnLast.Groups, GnLast.Spatial), GnLast.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => GnLast.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnLast.Backward(dy, x, w, m, r, dx, dw, db));
        yield return new GroupNormCase<double, double>("gnLastD", Last(GnLastD.Channels, GnLastD.Groups, GnLastD.Spatial), GnLastD.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => GnLastD.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnLastD.Backward(dy, x, w, m, r, dx, dw, db));
        yield return new GroupNormCase<float, float>("gnOneGroup", First(GnOneGroup.Channels, GnOneGroup.Groups, GnOneGroup.Spatial), GnOneGroup.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => GnOneGroup.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnOneGroup.Backward(dy, x, w, m, r, dx, dw, db));
        yield return new GroupNormCase<float, float>("gnPerChannel", First(GnPerChannel.Channels, GnPerChannel.Groups, GnPerChannel.Spatial), GnPerChannel.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => GnPerChannel.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnPerChannel.Backward(dy, x, w, m, r, dx, dw, db));
        yield return new GroupNormCase<float, float>("gnOneGroupLast", Last(GnOneGroupLast.Channels, GnOneGroupLast.Groups, GnOneGroupLast.Spatial), GnOneGroupLast.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => GnOneGroupLast.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnOneGroupLast.Backward(dy, x, w, m, r, dx, dw, db));
        yield return new GroupNormCase<float, float>("gnPerChannelLast", Last(GnPerChannelLast.Channels, GnPerChannelLast.Groups, GnPerChannelLast.Spatial), GnPerChannelLast.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => GnPerChannelLast.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnPerChannelLast.Backward(dy, x, w, m, r, dx, dw, db));
        yield return new GroupNormCase<float, float>("gnPlain", First(GnPlain.Channels, GnPlain.Groups, GnPlain.Spatial), GnPlain.Epsilon, false, Activation.None,
            (x, w, b, y, m, r) => GnPlain.Forward(x, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnPlain.Backward(dy, x, m, r, dx));
        yield return new GroupNormCase<float, float>("gnPlainLast", Last(GnPlainLast.Channels, GnPlainLast.Groups, GnPlainLast.Spatial), GnPlainLast.Epsilon, false, Activation.None,
            (x, w, b, y, m, r) => GnPlainLast.Forward(x, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnPlainLast.Backward(dy, x, m, r, dx));
        yield return new GroupNormCase<float, float>("gnBlocks", First(GnBlocks.Channels, GnBlocks.Groups, GnBlocks.Spatial), GnBlocks.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => GnBlocks.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnBlocks.Backward(dy, x, w, m, r, dx, dw, db));
        yield return new GroupNormCase<double, double>("gnBlocksD", First(GnBlocksD.Channels, GnBlocksD.Groups, GnBlocksD.Spatial), GnBlocksD.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => GnBlocksD.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnBlocksD.Backward(dy, x, w, m, r, dx, dw, db));
        yield return new GroupNormCase<float, float>("gnBlocksLast", Last(GnBlocksLast.Channels, GnBlocksLast.Groups, GnBlocksLast.Spatial), GnBlocksLast.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => GnBlocksLast.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnBlocksLast.Backward(dy, x, w, m, r, dx, dw, db));
        yield return new GroupNormCase<float, float>("gnBlocksWide", First(GnBlocksWide.Channels, GnBlocksWide.Groups, GnBlocksWide.Spatial), GnBlocksWide.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => GnBlocksWide.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnBlocksWide.Backward(dy, x, w, m, r, dx, dw, db));
        yield return new GroupNormCase<float, float>("gnWideLast", Last(GnWideLast.Channels, GnWideLast.Groups, GnWideLast.Spatial), GnWideLast.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => GnWideLast.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnWideLast.Backward(dy, x, w, m, r, dx, dw, db));
        yield return new GroupNormCase<Half, float>("gnHalf", First(GnHalf.Channels, GnHalf.Groups, GnHalf.Spatial), GnHalf.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => GnHalf.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnHalf.Backward(dy, x, w, m, r, dx, dw, db));
        yield return new GroupNormCase<Half, float>("gnHalfLast", Last(GnHalfLast.Channels, GnHalfLast.Groups, GnHalfLast.Spatial), GnHalfLast.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => GnHalfLast.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnHalfLast.Backward(dy, x, w, m, r, dx, dw, db));
        yield return new GroupNormCase<float, float>("gnSilu", First(GnSilu.Channels, GnSilu.Groups, GnSilu.Spatial), GnSilu.Epsilon, true, Activation.Silu,
            (x, w, b, y, m, r) => GnSilu.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnSilu.Backward(dy, x, w, b, m, r, dx, dw, db));
        yield return new GroupNormCase<double, double>("gnReluLastD", Last(GnReluLastD.Channels, GnReluLastD.Groups, GnReluLastD.Spatial), GnReluLastD.Epsilon, true, Activation.Relu,
            (x, w, b, y, m, r) => GnReluLastD.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnReluLastD.Backward(dy, x, w, b, m, r, dx, dw, db));
        yield return new GroupNormCase<float, float>("gnGeluBlocks", First(GnGeluBlocks.Channels, GnGeluBlocks.Groups, GnGeluBlocks.Spatial), GnGeluBlocks.Epsilon, true, Activation.Gelu,
            (x, w, b, y, m, r) => GnGeluBlocks.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnGeluBlocks.Backward(dy, x, w, b, m, r, dx, dw, db));
        yield return new GroupNormCase<float, float>("gnGeluTanhLast", Last(GnGeluTanhLast.Channels, GnGeluTanhLast.Groups, GnGeluTanhLast.Spatial), GnGeluTanhLast.Epsilon, true, Activation.GeluTanh,
            (x, w, b, y, m, r) => GnGeluTanhLast.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => GnGeluTanhLast.Backward(dy, x, w, b, m, r, dx, dw, db));

        yield return new GroupNormCase<float, float>("inFirst", First(InFirst.Channels, InFirst.Groups, InFirst.Spatial), InFirst.Epsilon, false, Activation.None,
            (x, w, b, y, m, r) => InFirst.Forward(x, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => InFirst.Backward(dy, x, m, r, dx));
        yield return new GroupNormCase<double, double>("inFirstD", First(InFirstD.Channels, InFirstD.Groups, InFirstD.Spatial), InFirstD.Epsilon, false, Activation.None,
            (x, w, b, y, m, r) => InFirstD.Forward(x, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => InFirstD.Backward(dy, x, m, r, dx));
        yield return new GroupNormCase<float, float>("inLast", Last(InLast.Channels, InLast.Groups, InLast.Spatial), InLast.Epsilon, false, Activation.None,
            (x, w, b, y, m, r) => InLast.Forward(x, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => InLast.Backward(dy, x, m, r, dx));
        yield return new GroupNormCase<float, float>("inAffine", First(InAffine.Channels, InAffine.Groups, InAffine.Spatial), InAffine.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => InAffine.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => InAffine.Backward(dy, x, w, m, r, dx, dw, db));
        yield return new GroupNormCase<float, float>("in1d", First(In1d.Channels, In1d.Groups, In1d.Spatial), In1d.Epsilon, false, Activation.None,
            (x, w, b, y, m, r) => In1d.Forward(x, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => In1d.Backward(dy, x, m, r, dx));
        yield return new GroupNormCase<float, float>("in3d", First(In3d.Channels, In3d.Groups, In3d.Spatial), In3d.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => In3d.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => In3d.Backward(dy, x, w, m, r, dx, dw, db));
        yield return new GroupNormCase<float, float>("inBlocksLast", Last(InBlocksLast.Channels, InBlocksLast.Groups, InBlocksLast.Spatial), InBlocksLast.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => InBlocksLast.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => InBlocksLast.Backward(dy, x, w, m, r, dx, dw, db));

        yield return new GroupNormCase<float, float>("inRunning", First(InRunning.Channels, InRunning.Groups, InRunning.Spatial), InRunning.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => InRunning.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => InRunning.Backward(dy, x, w, m, r, dx, dw, db),
            (x, w, b, y, rm, rv, m, r) => InRunning.ForwardTraining(x, w, b, y, rm, rv, m, r),
            (x, w, b, rm, rv, y) => InRunning.ForwardEval(x, w, b, rm, rv, y),
            InRunning.Momentum);
        yield return new GroupNormCase<double, double>("inRunningD", First(InRunningD.Channels, InRunningD.Groups, InRunningD.Spatial), InRunningD.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => InRunningD.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => InRunningD.Backward(dy, x, w, m, r, dx, dw, db),
            (x, w, b, y, rm, rv, m, r) => InRunningD.ForwardTraining(x, w, b, y, rm, rv, m, r),
            (x, w, b, rm, rv, y) => InRunningD.ForwardEval(x, w, b, rm, rv, y),
            InRunningD.Momentum);
        yield return new GroupNormCase<float, float>("inRunningLast", Last(InRunningLast.Channels, InRunningLast.Groups, InRunningLast.Spatial), InRunningLast.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => InRunningLast.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => InRunningLast.Backward(dy, x, w, m, r, dx, dw, db),
            (x, w, b, y, rm, rv, m, r) => InRunningLast.ForwardTraining(x, w, b, y, rm, rv, m, r),
            (x, w, b, rm, rv, y) => InRunningLast.ForwardEval(x, w, b, rm, rv, y),
            InRunningLast.Momentum);
        yield return new GroupNormCase<float, float>("inRunningPlain", First(InRunningPlain.Channels, InRunningPlain.Groups, InRunningPlain.Spatial), InRunningPlain.Epsilon, false, Activation.None,
            (x, w, b, y, m, r) => InRunningPlain.Forward(x, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => InRunningPlain.Backward(dy, x, m, r, dx),
            (x, w, b, y, rm, rv, m, r) => InRunningPlain.ForwardTraining(x, y, rm, rv, m, r),
            (x, w, b, rm, rv, y) => InRunningPlain.ForwardEval(x, rm, rv, y),
            InRunningPlain.Momentum);
        yield return new GroupNormCase<Half, float>("inRunningHalf", First(InRunningHalf.Channels, InRunningHalf.Groups, InRunningHalf.Spatial), InRunningHalf.Epsilon, true, Activation.None,
            (x, w, b, y, m, r) => InRunningHalf.Forward(x, w, b, y, m, r),
            (dy, x, w, b, m, r, dx, dw, db) => InRunningHalf.Backward(dy, x, w, m, r, dx, dw, db),
            (x, w, b, y, rm, rv, m, r) => InRunningHalf.ForwardTraining(x, w, b, y, rm, rv, m, r),
            (x, w, b, rm, rv, y) => InRunningHalf.ForwardEval(x, w, b, rm, rv, y),
            InRunningHalf.Momentum);
    }
}
