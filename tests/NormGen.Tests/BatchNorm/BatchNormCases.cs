using System.Collections.Generic;
using System.Linq;
using Xunit;
using NormGen.Tests.ActivationKernels;
using Half = System.Half;
using K = NormGen.Tests.BatchNorm.BatchNormTestNorms;

namespace NormGen.Tests.BatchNorm;

/// <summary>Every kernel declared in <see cref="BatchNormTestNorms"/>, adapted to <see cref="BatchNormCase"/>.</summary>
public static class BatchNormCases
{
    public static readonly BatchNormCase Bn1d = new BatchNormCase<float, float>(
        "bn1d", K.Bn1d.Channels, K.Bn1d.Spatial, channelsLast: false, K.Bn1d.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.Bn1d.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.Bn1d.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.Bn1d.Backward(dy, x, w, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.Bn1d.BackwardEval(dy, x, w, rm, rv, dx, dw, db),
        (x, m, q) => K.Bn1d.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.Bn1d.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.Bn1d.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.Bn1d.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase Bn1dSeq = new BatchNormCase<float, float>(
        "bn1dSeq", K.Bn1dSeq.Channels, K.Bn1dSeq.Spatial, channelsLast: false, K.Bn1dSeq.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.Bn1dSeq.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.Bn1dSeq.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.Bn1dSeq.Backward(dy, x, w, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.Bn1dSeq.BackwardEval(dy, x, w, rm, rv, dx, dw, db),
        (x, m, q) => K.Bn1dSeq.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.Bn1dSeq.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.Bn1dSeq.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.Bn1dSeq.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase Bn2d = new BatchNormCase<float, float>(
        "bn2d", K.Bn2d.Channels, K.Bn2d.Spatial, channelsLast: false, K.Bn2d.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.Bn2d.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.Bn2d.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.Bn2d.Backward(dy, x, w, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.Bn2d.BackwardEval(dy, x, w, rm, rv, dx, dw, db),
        (x, m, q) => K.Bn2d.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.Bn2d.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.Bn2d.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.Bn2d.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase Bn2dLong = new BatchNormCase<float, float>(
        "bn2dLong", K.Bn2dLong.Channels, K.Bn2dLong.Spatial, channelsLast: false, K.Bn2dLong.Epsilon, momentum: 0.3, affine: true, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.Bn2dLong.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.Bn2dLong.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.Bn2dLong.Backward(dy, x, w, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.Bn2dLong.BackwardEval(dy, x, w, rm, rv, dx, dw, db),
        (x, m, q) => K.Bn2dLong.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.Bn2dLong.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.Bn2dLong.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.Bn2dLong.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase Bn3d = new BatchNormCase<float, float>(
        "bn3d", K.Bn3d.Channels, K.Bn3d.Spatial, channelsLast: false, K.Bn3d.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.Bn3d.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.Bn3d.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.Bn3d.Backward(dy, x, w, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.Bn3d.BackwardEval(dy, x, w, rm, rv, dx, dw, db),
        (x, m, q) => K.Bn3d.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.Bn3d.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.Bn3d.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.Bn3d.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase Bn2dD = new BatchNormCase<double, double>(
        "bn2dD", K.Bn2dD.Channels, K.Bn2dD.Spatial, channelsLast: false, K.Bn2dD.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.Bn2dD.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.Bn2dD.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.Bn2dD.Backward(dy, x, w, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.Bn2dD.BackwardEval(dy, x, w, rm, rv, dx, dw, db),
        (x, m, q) => K.Bn2dD.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.Bn2dD.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.Bn2dD.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.Bn2dD.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase Bn1dD = new BatchNormCase<double, double>(
        "bn1dD", K.Bn1dD.Channels, K.Bn1dD.Spatial, channelsLast: false, K.Bn1dD.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.Bn1dD.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.Bn1dD.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.Bn1dD.Backward(dy, x, w, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.Bn1dD.BackwardEval(dy, x, w, rm, rv, dx, dw, db),
        (x, m, q) => K.Bn1dD.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.Bn1dD.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.Bn1dD.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.Bn1dD.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnNhwc = new BatchNormCase<float, float>(
        "bnNhwc", K.BnNhwc.Channels, K.BnNhwc.Spatial, channelsLast: true, K.BnNhwc.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnNhwc.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.BnNhwc.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.BnNhwc.Backward(dy, x, w, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.BnNhwc.BackwardEval(dy, x, w, rm, rv, dx, dw, db),
        (x, m, q) => K.BnNhwc.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnNhwc.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnNhwc.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnNhwc.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnNhwc3 = new BatchNormCase<float, float>(
        "bnNhwc3", K.BnNhwc3.Channels, K.BnNhwc3.Spatial, channelsLast: true, K.BnNhwc3.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnNhwc3.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.BnNhwc3.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.BnNhwc3.Backward(dy, x, w, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.BnNhwc3.BackwardEval(dy, x, w, rm, rv, dx, dw, db),
        (x, m, q) => K.BnNhwc3.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnNhwc3.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnNhwc3.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnNhwc3.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnNhwcD = new BatchNormCase<double, double>(
        "bnNhwcD", K.BnNhwcD.Channels, K.BnNhwcD.Spatial, channelsLast: true, K.BnNhwcD.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnNhwcD.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.BnNhwcD.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.BnNhwcD.Backward(dy, x, w, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.BnNhwcD.BackwardEval(dy, x, w, rm, rv, dx, dw, db),
        (x, m, q) => K.BnNhwcD.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnNhwcD.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnNhwcD.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnNhwcD.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnCumulative = new BatchNormCase<float, float>(
        "bnCumulative", K.BnCumulative.Channels, K.BnCumulative.Spatial, channelsLast: false, K.BnCumulative.Epsilon, momentum: null, affine: true, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnCumulative.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.BnCumulative.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.BnCumulative.Backward(dy, x, w, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.BnCumulative.BackwardEval(dy, x, w, rm, rv, dx, dw, db),
        (x, m, q) => K.BnCumulative.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnCumulative.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnCumulative.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnCumulative.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnUntracked = new BatchNormCase<float, float>(
        "bnUntracked", K.BnUntracked.Channels, K.BnUntracked.Spatial, channelsLast: false, K.BnUntracked.Epsilon, momentum: 0.1, affine: true, track: false,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnUntracked.Forward(x, w, b, y, sm, sr),
        null,
        (dy, x, w, b, m, r, dx, dw, db) => K.BnUntracked.Backward(dy, x, w, m, r, dx, dw, db),
        null,
        (x, m, q) => K.BnUntracked.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnUntracked.ForwardSynchronized(x, w, b, count, m, q, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnUntracked.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnUntracked.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnUntrackedNhwc = new BatchNormCase<float, float>(
        "bnUntrackedNhwc", K.BnUntrackedNhwc.Channels, K.BnUntrackedNhwc.Spatial, channelsLast: true, K.BnUntrackedNhwc.Epsilon, momentum: 0.1, affine: true, track: false,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnUntrackedNhwc.Forward(x, w, b, y, sm, sr),
        null,
        (dy, x, w, b, m, r, dx, dw, db) => K.BnUntrackedNhwc.Backward(dy, x, w, m, r, dx, dw, db),
        null,
        (x, m, q) => K.BnUntrackedNhwc.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnUntrackedNhwc.ForwardSynchronized(x, w, b, count, m, q, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnUntrackedNhwc.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnUntrackedNhwc.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnPlain = new BatchNormCase<float, float>(
        "bnPlain", K.BnPlain.Channels, K.BnPlain.Spatial, channelsLast: false, K.BnPlain.Epsilon, momentum: 0.1, affine: false, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnPlain.ForwardTraining(x, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.BnPlain.ForwardEval(x, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.BnPlain.Backward(dy, x, m, r, dx),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.BnPlain.BackwardEval(dy, x, rm, rv, dx),
        (x, m, q) => K.BnPlain.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnPlain.ForwardSynchronized(x, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnPlain.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnPlain.BackwardSynchronized(dy, x, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnPlainNhwc = new BatchNormCase<float, float>(
        "bnPlainNhwc", K.BnPlainNhwc.Channels, K.BnPlainNhwc.Spatial, channelsLast: true, K.BnPlainNhwc.Epsilon, momentum: 0.5, affine: false, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnPlainNhwc.ForwardTraining(x, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.BnPlainNhwc.ForwardEval(x, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.BnPlainNhwc.Backward(dy, x, m, r, dx),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.BnPlainNhwc.BackwardEval(dy, x, rm, rv, dx),
        (x, m, q) => K.BnPlainNhwc.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnPlainNhwc.ForwardSynchronized(x, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnPlainNhwc.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnPlainNhwc.BackwardSynchronized(dy, x, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnLarge = new BatchNormCase<float, float>(
        "bnLarge", K.BnLarge.Channels, K.BnLarge.Spatial, channelsLast: false, K.BnLarge.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnLarge.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.BnLarge.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.BnLarge.Backward(dy, x, w, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.BnLarge.BackwardEval(dy, x, w, rm, rv, dx, dw, db),
        (x, m, q) => K.BnLarge.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnLarge.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnLarge.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnLarge.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnLargeNhwc = new BatchNormCase<float, float>(
        "bnLargeNhwc", K.BnLargeNhwc.Channels, K.BnLargeNhwc.Spatial, channelsLast: true, K.BnLargeNhwc.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnLargeNhwc.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.BnLargeNhwc.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.BnLargeNhwc.Backward(dy, x, w, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.BnLargeNhwc.BackwardEval(dy, x, w, rm, rv, dx, dw, db),
        (x, m, q) => K.BnLargeNhwc.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnLargeNhwc.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnLargeNhwc.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnLargeNhwc.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnHalf = new BatchNormCase<Half, float>(
        "bnHalf", K.BnHalf.Channels, K.BnHalf.Spatial, channelsLast: false, K.BnHalf.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnHalf.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.BnHalf.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.BnHalf.Backward(dy, x, w, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.BnHalf.BackwardEval(dy, x, w, rm, rv, dx, dw, db),
        (x, m, q) => K.BnHalf.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnHalf.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnHalf.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnHalf.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnHalfLong = new BatchNormCase<Half, float>(
        "bnHalfLong", K.BnHalfLong.Channels, K.BnHalfLong.Spatial, channelsLast: false, K.BnHalfLong.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnHalfLong.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.BnHalfLong.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.BnHalfLong.Backward(dy, x, w, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.BnHalfLong.BackwardEval(dy, x, w, rm, rv, dx, dw, db),
        (x, m, q) => K.BnHalfLong.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnHalfLong.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnHalfLong.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnHalfLong.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnHalfNhwc = new BatchNormCase<Half, float>(
        "bnHalfNhwc", K.BnHalfNhwc.Channels, K.BnHalfNhwc.Spatial, channelsLast: true, K.BnHalfNhwc.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: null,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnHalfNhwc.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.BnHalfNhwc.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.BnHalfNhwc.Backward(dy, x, w, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.BnHalfNhwc.BackwardEval(dy, x, w, rm, rv, dx, dw, db),
        (x, m, q) => K.BnHalfNhwc.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnHalfNhwc.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnHalfNhwc.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnHalfNhwc.BackwardSynchronized(dy, x, w, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnRelu = new BatchNormCase<float, float>(
        "bnRelu", K.BnRelu.Channels, K.BnRelu.Spatial, channelsLast: false, K.BnRelu.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: ActivationKind.Relu,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnRelu.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.BnRelu.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.BnRelu.Backward(dy, x, w, b, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.BnRelu.BackwardEval(dy, x, w, b, rm, rv, dx, dw, db),
        (x, m, q) => K.BnRelu.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnRelu.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnRelu.BackwardReduce(dy, x, w, b, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnRelu.BackwardSynchronized(dy, x, w, b, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnSiluNhwc = new BatchNormCase<float, float>(
        "bnSiluNhwc", K.BnSiluNhwc.Channels, K.BnSiluNhwc.Spatial, channelsLast: true, K.BnSiluNhwc.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: ActivationKind.Silu,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnSiluNhwc.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.BnSiluNhwc.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.BnSiluNhwc.Backward(dy, x, w, b, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.BnSiluNhwc.BackwardEval(dy, x, w, b, rm, rv, dx, dw, db),
        (x, m, q) => K.BnSiluNhwc.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnSiluNhwc.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnSiluNhwc.BackwardReduce(dy, x, w, b, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnSiluNhwc.BackwardSynchronized(dy, x, w, b, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnGeluD = new BatchNormCase<double, double>(
        "bnGeluD", K.BnGeluD.Channels, K.BnGeluD.Spatial, channelsLast: false, K.BnGeluD.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: ActivationKind.Gelu,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnGeluD.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.BnGeluD.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.BnGeluD.Backward(dy, x, w, b, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.BnGeluD.BackwardEval(dy, x, w, b, rm, rv, dx, dw, db),
        (x, m, q) => K.BnGeluD.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnGeluD.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnGeluD.BackwardReduce(dy, x, w, b, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnGeluD.BackwardSynchronized(dy, x, w, b, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnGeluTanhNhwcD = new BatchNormCase<double, double>(
        "bnGeluTanhNhwcD", K.BnGeluTanhNhwcD.Channels, K.BnGeluTanhNhwcD.Spatial, channelsLast: true, K.BnGeluTanhNhwcD.Epsilon, momentum: 0.2, affine: true, track: true,
        activation: ActivationKind.GeluTanh,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnGeluTanhNhwcD.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.BnGeluTanhNhwcD.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.BnGeluTanhNhwcD.Backward(dy, x, w, b, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.BnGeluTanhNhwcD.BackwardEval(dy, x, w, b, rm, rv, dx, dw, db),
        (x, m, q) => K.BnGeluTanhNhwcD.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnGeluTanhNhwcD.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnGeluTanhNhwcD.BackwardReduce(dy, x, w, b, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnGeluTanhNhwcD.BackwardSynchronized(dy, x, w, b, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnSiluPlainD = new BatchNormCase<double, double>(
        "bnSiluPlainD", K.BnSiluPlainD.Channels, K.BnSiluPlainD.Spatial, channelsLast: false, K.BnSiluPlainD.Epsilon, momentum: 0.1, affine: false, track: true,
        activation: ActivationKind.Silu,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnSiluPlainD.ForwardTraining(x, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.BnSiluPlainD.ForwardEval(x, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.BnSiluPlainD.Backward(dy, x, m, r, dx),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.BnSiluPlainD.BackwardEval(dy, x, rm, rv, dx),
        (x, m, q) => K.BnSiluPlainD.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnSiluPlainD.ForwardSynchronized(x, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnSiluPlainD.BackwardReduce(dy, x, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnSiluPlainD.BackwardSynchronized(dy, x, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnHalfGelu = new BatchNormCase<Half, float>(
        "bnHalfGelu", K.BnHalfGelu.Channels, K.BnHalfGelu.Spatial, channelsLast: false, K.BnHalfGelu.Epsilon, momentum: 0.1, affine: true, track: true,
        activation: ActivationKind.Gelu,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnHalfGelu.ForwardTraining(x, w, b, rm, rv, ref n, y, sm, sr),
        (x, w, b, rm, rv, y) => K.BnHalfGelu.ForwardEval(x, w, b, rm, rv, y),
        (dy, x, w, b, m, r, dx, dw, db) => K.BnHalfGelu.Backward(dy, x, w, b, m, r, dx, dw, db),
        (dy, x, w, b, rm, rv, dx, dw, db) => K.BnHalfGelu.BackwardEval(dy, x, w, b, rm, rv, dx, dw, db),
        (x, m, q) => K.BnHalfGelu.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnHalfGelu.ForwardSynchronized(x, w, b, count, m, q, rm, rv, ref n, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnHalfGelu.BackwardReduce(dy, x, w, b, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnHalfGelu.BackwardSynchronized(dy, x, w, b, m, r, count, s, sx, dx));

    public static readonly BatchNormCase BnHalfReluNhwc = new BatchNormCase<Half, float>(
        "bnHalfReluNhwc", K.BnHalfReluNhwc.Channels, K.BnHalfReluNhwc.Spatial, channelsLast: true, K.BnHalfReluNhwc.Epsilon, momentum: 0.1, affine: true, track: false,
        activation: ActivationKind.Relu,
        (x, w, b, rm, rv, ref n, y, sm, sr) => K.BnHalfReluNhwc.Forward(x, w, b, y, sm, sr),
        null,
        (dy, x, w, b, m, r, dx, dw, db) => K.BnHalfReluNhwc.Backward(dy, x, w, b, m, r, dx, dw, db),
        null,
        (x, m, q) => K.BnHalfReluNhwc.ComputeStatistics(x, m, q),
        (x, w, b, count, m, q, rm, rv, ref n, y, sm, sr) => K.BnHalfReluNhwc.ForwardSynchronized(x, w, b, count, m, q, y, sm, sr),
        (dy, x, w, b, m, r, s, sx) => K.BnHalfReluNhwc.BackwardReduce(dy, x, w, b, m, r, s, sx),
        (dy, x, w, b, m, r, count, s, sx, dx) => K.BnHalfReluNhwc.BackwardSynchronized(dy, x, w, b, m, r, count, s, sx, dx));

    public static IEnumerable<BatchNormCase> All =>
    [
        Bn1d, Bn1dSeq, Bn2d, Bn2dLong, Bn3d, Bn2dD, Bn1dD, BnNhwc, BnNhwc3, BnNhwcD, BnCumulative, BnUntracked, BnUntrackedNhwc, BnPlain, BnPlainNhwc, BnLarge, BnLargeNhwc, BnHalf, BnHalfLong, BnHalfNhwc, BnRelu, BnSiluNhwc, BnGeluD, BnGeluTanhNhwcD, BnSiluPlainD, BnHalfGelu, BnHalfReluNhwc,
    ];

    /// <summary>Every kernel, as xunit theory data.</summary>
    public static TheoryData<string> Names => new(All.Select(n => n.Name));

    /// <summary>The kernels with running statistics.</summary>
    public static TheoryData<string> TrackedNames => new(All.Where(n => n.Track).Select(n => n.Name));

    /// <summary>The double-precision kernels, for finite-difference checks.</summary>
    public static TheoryData<string> DoubleNames => new(All.Where(n => n.IsDouble).Select(n => n.Name));

    public static BatchNormCase Named(string name) => All.Single(n => n.Name == name);
}
