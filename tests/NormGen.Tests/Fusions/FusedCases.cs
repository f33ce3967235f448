using System.Collections.Generic;
using NormGen.Tests.ActivationKernels;
using Xunit;
using K = NormGen.Tests.Fusions.FusionTestNorms;

namespace NormGen.Tests.Fusions;

/// <summary>Every fused kernel of <see cref="FusionTestNorms"/> with its plain twin, by element type.</summary>
internal static class FusedCases
{
    private const double LnEps = 1e-5, RmsEps = 1e-6;

    public static IEnumerable<FusedCase> All => [.. Float, .. Double, .. Halves];

    public static IEnumerable<FusedCase> Float =>
    [
        new FusedCase<float, float>
        {
            Name = "lnGelu", RowLength = 37, Epsilon = LnEps, Centered = true, HasWeight = true, HasBias = true, Activation = ActivationKind.Gelu,
            Forward = k => K.LnGelu.Forward(k.X, k.W, k.B, k.Y, k.Mean, k.Rstd),
            Backward = k => K.LnGelu.Backward(k.Dy, k.X, k.W, k.B, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
            PlainForward = k => K.Plain.Forward(k.X, k.W, k.B, k.Y, k.Mean, k.Rstd),
            PlainBackward = k => K.Plain.Backward(k.Dy, k.X, k.W, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
        },
        new FusedCase<float, float>
        {
            Name = "lnReluNoBias", RowLength = 37, Epsilon = LnEps, Centered = true, HasWeight = true, HasBias = false, Activation = ActivationKind.Relu,
            Forward = k => K.LnReluNoBias.Forward(k.X, k.W, k.Y, k.Mean, k.Rstd),
            Backward = k => K.LnReluNoBias.Backward(k.Dy, k.X, k.W, k.Mean, k.Rstd, k.Dx, k.Dw),
            PlainForward = k => K.PlainNoBias.Forward(k.X, k.W, k.Y, k.Mean, k.Rstd),
            PlainBackward = k => K.PlainNoBias.Backward(k.Dy, k.X, k.W, k.Mean, k.Rstd, k.Dx, k.Dw),
        },
        new FusedCase<float, float>
        {
            Name = "lnSiluPlain", RowLength = 37, Epsilon = LnEps, Centered = true, HasWeight = false, HasBias = false, Activation = ActivationKind.Silu,
            Forward = k => K.LnSiluPlain.Forward(k.X, k.Y, k.Mean, k.Rstd),
            Backward = k => K.LnSiluPlain.Backward(k.Dy, k.X, k.Mean, k.Rstd, k.Dx),
            PlainForward = k => K.PlainNoAffine.Forward(k.X, k.Y, k.Mean, k.Rstd),
            PlainBackward = k => K.PlainNoAffine.Backward(k.Dy, k.X, k.Mean, k.Rstd, k.Dx),
        },
        new FusedCase<float, float>
        {
            Name = "lnResidual", RowLength = 37, Epsilon = LnEps, Centered = true, HasWeight = true, HasBias = true, Residual = true,
            Forward = k => K.LnResidual.Forward(k.X, k.Res, k.W, k.B, k.Y, k.ResOut, k.Mean, k.Rstd),
            Backward = k => K.LnResidual.Backward(k.Dy, k.ResOut, k.W, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
            PlainForward = k => K.Plain.Forward(k.X, k.W, k.B, k.Y, k.Mean, k.Rstd),
            PlainBackward = k => K.Plain.Backward(k.Dy, k.X, k.W, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
        },
        new FusedCase<float, float>
        {
            Name = "lnInputBias", RowLength = 37, Epsilon = LnEps, Centered = true, HasWeight = true, HasBias = true, InputBias = true,
            Forward = k => K.LnInputBias.Forward(k.X, k.Ib, k.W, k.B, k.Y, k.Mean, k.Rstd),
            Backward = k => K.LnInputBias.Backward(k.Dy, k.X, k.Ib, k.W, k.Mean, k.Rstd, k.Dx, k.Dib, k.Dw, k.Db),
            PlainForward = k => K.Plain.Forward(k.X, k.W, k.B, k.Y, k.Mean, k.Rstd),
            PlainBackward = k => K.Plain.Backward(k.Dy, k.X, k.W, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
        },
        new FusedCase<float, float>
        {
            Name = "lnAllGeluTanh", RowLength = 37, Epsilon = LnEps, Centered = true, HasWeight = true, HasBias = true,
            Residual = true, InputBias = true, Activation = ActivationKind.GeluTanh,
            Forward = k => K.LnAllGeluTanh.Forward(k.X, k.Ib, k.Res, k.W, k.B, k.Y, k.ResOut, k.Mean, k.Rstd),
            Backward = k => K.LnAllGeluTanh.Backward(k.Dy, k.ResOut, k.W, k.B, k.Mean, k.Rstd, k.Dx, k.Dib, k.Dw, k.Db),
            PlainForward = k => K.Plain.Forward(k.X, k.W, k.B, k.Y, k.Mean, k.Rstd),
            PlainBackward = k => K.Plain.Backward(k.Dy, k.X, k.W, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
        },
        new FusedCase<float, float>
        {
            Name = "rmsSilu", RowLength = 37, Epsilon = RmsEps, Centered = false, HasWeight = true, HasBias = false, Activation = ActivationKind.Silu,
            Forward = k => K.RmsSilu.Forward(k.X, k.W, k.Y, k.Rstd),
            Backward = k => K.RmsSilu.Backward(k.Dy, k.X, k.W, k.Rstd, k.Dx, k.Dw),
            PlainForward = k => K.PlainRms.Forward(k.X, k.W, k.Y, k.Rstd),
            PlainBackward = k => K.PlainRms.Backward(k.Dy, k.X, k.W, k.Rstd, k.Dx, k.Dw),
        },
        new FusedCase<float, float>
        {
            Name = "rmsResidualBias", RowLength = 37, Epsilon = RmsEps, Centered = false, HasWeight = true, HasBias = false, Residual = true, InputBias = true,
            Forward = k => K.RmsResidualBias.Forward(k.X, k.Ib, k.Res, k.W, k.Y, k.ResOut, k.Rstd),
            Backward = k => K.RmsResidualBias.Backward(k.Dy, k.ResOut, k.W, k.Rstd, k.Dx, k.Dib, k.Dw),
            PlainForward = k => K.PlainRms.Forward(k.X, k.W, k.Y, k.Rstd),
            PlainBackward = k => K.PlainRms.Backward(k.Dy, k.X, k.W, k.Rstd, k.Dx, k.Dw),
        },
        new FusedCase<float, float>
        {
            Name = "rmsPlainInputBiasGelu", RowLength = 37, Epsilon = RmsEps, Centered = false, HasWeight = false, HasBias = false,
            InputBias = true, Activation = ActivationKind.Gelu,
            Forward = k => K.RmsPlainInputBiasGelu.Forward(k.X, k.Ib, k.Y, k.Rstd),
            Backward = k => K.RmsPlainInputBiasGelu.Backward(k.Dy, k.X, k.Ib, k.Rstd, k.Dx, k.Dib),
            PlainForward = k => K.PlainRmsNoAffine.Forward(k.X, k.Y, k.Rstd),
            PlainBackward = k => K.PlainRmsNoAffine.Backward(k.Dy, k.X, k.Rstd, k.Dx),
        },
        new FusedCase<float, float>
        {
            Name = "lnLongResidualGelu", RowLength = 4099, Epsilon = LnEps, Centered = true, HasWeight = true, HasBias = true,
            Residual = true, Activation = ActivationKind.Gelu,
            Forward = k => K.LnLongResidualGelu.Forward(k.X, k.Res, k.W, k.B, k.Y, k.ResOut, k.Mean, k.Rstd),
            Backward = k => K.LnLongResidualGelu.Backward(k.Dy, k.ResOut, k.W, k.B, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
            PlainForward = k => K.PlainLong.Forward(k.X, k.W, k.B, k.Y, k.Mean, k.Rstd),
            PlainBackward = k => K.PlainLong.Backward(k.Dy, k.X, k.W, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
        },
        new FusedCase<float, float>
        {
            Name = "lnHugeResidual", RowLength = 32768, Epsilon = LnEps, Centered = true, HasWeight = true, HasBias = true, Residual = true,
            Forward = k => K.LnHugeResidual.Forward(k.X, k.Res, k.W, k.B, k.Y, k.ResOut, k.Mean, k.Rstd),
            Backward = k => K.LnHugeResidual.Backward(k.Dy, k.ResOut, k.W, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
            PlainForward = k => K.PlainHuge.Forward(k.X, k.W, k.B, k.Y, k.Mean, k.Rstd),
            PlainBackward = k => K.PlainHuge.Backward(k.Dy, k.X, k.W, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
        },
        new FusedCase<float, float>
        {
            Name = "rmsHugeResidualBias", RowLength = 32775, Epsilon = RmsEps, Centered = false, HasWeight = true, HasBias = false, Residual = true, InputBias = true,
            Forward = k => K.RmsHugeResidualBias.Forward(k.X, k.Ib, k.Res, k.W, k.Y, k.ResOut, k.Rstd),
            Backward = k => K.RmsHugeResidualBias.Backward(k.Dy, k.ResOut, k.W, k.Rstd, k.Dx, k.Dib, k.Dw),
            PlainForward = k => K.PlainHugeRms.Forward(k.X, k.W, k.Y, k.Rstd),
            PlainBackward = k => K.PlainHugeRms.Backward(k.Dy, k.X, k.W, k.Rstd, k.Dx, k.Dw),
        },
    ];

    public static IEnumerable<FusedCase> Double =>
    [
        new FusedCase<double, double>
        {
            Name = "lnReluInputBiasD", RowLength = 37, Epsilon = LnEps, Centered = true, HasWeight = true, HasBias = true,
            InputBias = true, Activation = ActivationKind.Relu,
            Forward = k => K.LnReluInputBiasD.Forward(k.X, k.Ib, k.W, k.B, k.Y, k.Mean, k.Rstd),
            Backward = k => K.LnReluInputBiasD.Backward(k.Dy, k.X, k.Ib, k.W, k.B, k.Mean, k.Rstd, k.Dx, k.Dib, k.Dw, k.Db),
            PlainForward = k => K.PlainD.Forward(k.X, k.W, k.B, k.Y, k.Mean, k.Rstd),
            PlainBackward = k => K.PlainD.Backward(k.Dy, k.X, k.W, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
        },
        new FusedCase<double, double>
        {
            Name = "lnGeluResidualD", RowLength = 37, Epsilon = LnEps, Centered = true, HasWeight = true, HasBias = true,
            Residual = true, Activation = ActivationKind.Gelu,
            Forward = k => K.LnGeluResidualD.Forward(k.X, k.Res, k.W, k.B, k.Y, k.ResOut, k.Mean, k.Rstd),
            Backward = k => K.LnGeluResidualD.Backward(k.Dy, k.ResOut, k.W, k.B, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
            PlainForward = k => K.PlainD.Forward(k.X, k.W, k.B, k.Y, k.Mean, k.Rstd),
            PlainBackward = k => K.PlainD.Backward(k.Dy, k.X, k.W, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
        },
        new FusedCase<double, double>
        {
            Name = "lnAllGeluTanhD", RowLength = 37, Epsilon = LnEps, Centered = true, HasWeight = true, HasBias = true,
            Residual = true, InputBias = true, Activation = ActivationKind.GeluTanh,
            Forward = k => K.LnAllGeluTanhD.Forward(k.X, k.Ib, k.Res, k.W, k.B, k.Y, k.ResOut, k.Mean, k.Rstd),
            Backward = k => K.LnAllGeluTanhD.Backward(k.Dy, k.ResOut, k.W, k.B, k.Mean, k.Rstd, k.Dx, k.Dib, k.Dw, k.Db),
            PlainForward = k => K.PlainD.Forward(k.X, k.W, k.B, k.Y, k.Mean, k.Rstd),
            PlainBackward = k => K.PlainD.Backward(k.Dy, k.X, k.W, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
        },
        new FusedCase<double, double>
        {
            Name = "rmsSiluInputBiasD", RowLength = 37, Epsilon = RmsEps, Centered = false, HasWeight = true, HasBias = false,
            InputBias = true, Activation = ActivationKind.Silu,
            Forward = k => K.RmsSiluInputBiasD.Forward(k.X, k.Ib, k.W, k.Y, k.Rstd),
            Backward = k => K.RmsSiluInputBiasD.Backward(k.Dy, k.X, k.Ib, k.W, k.Rstd, k.Dx, k.Dib, k.Dw),
            PlainForward = k => K.PlainRmsD.Forward(k.X, k.W, k.Y, k.Rstd),
            PlainBackward = k => K.PlainRmsD.Backward(k.Dy, k.X, k.W, k.Rstd, k.Dx, k.Dw),
        },
    ];

    public static IEnumerable<FusedCase> Halves =>
    [
        new FusedCase<System.Half, float>
        {
            Name = "lnHalf", RowLength = 37, Epsilon = LnEps, Centered = true, HasWeight = true, HasBias = true,
            Forward = k => K.LnHalf.Forward(k.X, k.W, k.B, k.Y, k.Mean, k.Rstd),
            Backward = k => K.LnHalf.Backward(k.Dy, k.X, k.W, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
            PlainForward = k => K.LnHalf.Forward(k.X, k.W, k.B, k.Y, k.Mean, k.Rstd),
            PlainBackward = k => K.LnHalf.Backward(k.Dy, k.X, k.W, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
        },
        new FusedCase<System.Half, float>
        {
            Name = "lnHalfResidualGelu", RowLength = 37, Epsilon = LnEps, Centered = true, HasWeight = true, HasBias = true,
            Residual = true, Activation = ActivationKind.Gelu,
            Forward = k => K.LnHalfResidualGelu.Forward(k.X, k.Res, k.W, k.B, k.Y, k.ResOut, k.Mean, k.Rstd),
            Backward = k => K.LnHalfResidualGelu.Backward(k.Dy, k.ResOut, k.W, k.B, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
            PlainForward = k => K.LnHalf.Forward(k.X, k.W, k.B, k.Y, k.Mean, k.Rstd),
            PlainBackward = k => K.LnHalf.Backward(k.Dy, k.X, k.W, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
        },
        new FusedCase<System.Half, float>
        {
            Name = "lnHalfInputBiasSilu", RowLength = 37, Epsilon = LnEps, Centered = true, HasWeight = true, HasBias = false,
            InputBias = true, Activation = ActivationKind.Silu,
            Forward = k => K.LnHalfInputBiasSilu.Forward(k.X, k.Ib, k.W, k.Y, k.Mean, k.Rstd),
            Backward = k => K.LnHalfInputBiasSilu.Backward(k.Dy, k.X, k.Ib, k.W, k.Mean, k.Rstd, k.Dx, k.Dib, k.Dw),
            PlainForward = k => K.PlainHalfNoBias.Forward(k.X, k.W, k.Y, k.Mean, k.Rstd),
            PlainBackward = k => K.PlainHalfNoBias.Backward(k.Dy, k.X, k.W, k.Mean, k.Rstd, k.Dx, k.Dw),
        },
        new FusedCase<System.Half, float>
        {
            Name = "rmsHalfAll", RowLength = 37, Epsilon = RmsEps, Centered = false, HasWeight = true, HasBias = false,
            Residual = true, InputBias = true, Activation = ActivationKind.Relu,
            Forward = k => K.RmsHalfAll.Forward(k.X, k.Ib, k.Res, k.W, k.Y, k.ResOut, k.Rstd),
            Backward = k => K.RmsHalfAll.Backward(k.Dy, k.ResOut, k.W, k.Rstd, k.Dx, k.Dib, k.Dw),
            PlainForward = k => K.PlainRmsHalf.Forward(k.X, k.W, k.Y, k.Rstd),
            PlainBackward = k => K.PlainRmsHalf.Backward(k.Dy, k.X, k.W, k.Rstd, k.Dx, k.Dw),
        },
        new FusedCase<System.Half, float>
        {
            Name = "rmsHalfPlain", RowLength = 37, Epsilon = RmsEps, Centered = false, HasWeight = false, HasBias = false,
            Forward = k => K.RmsHalfPlain.Forward(k.X, k.Y, k.Rstd),
            Backward = k => K.RmsHalfPlain.Backward(k.Dy, k.X, k.Rstd, k.Dx),
            PlainForward = k => K.RmsHalfPlain.Forward(k.X, k.Y, k.Rstd),
            PlainBackward = k => K.RmsHalfPlain.Backward(k.Dy, k.X, k.Rstd, k.Dx),
        },
        new FusedCase<System.Half, float>
        {
            Name = "lnHalfLongResidualGelu", RowLength = 4099, Epsilon = LnEps, Centered = true, HasWeight = true, HasBias = true,
            Residual = true, Activation = ActivationKind.Gelu,
            Forward = k => K.LnHalfLongResidualGelu.Forward(k.X, k.Res, k.W, k.B, k.Y, k.ResOut, k.Mean, k.Rstd),
            Backward = k => K.LnHalfLongResidualGelu.Backward(k.Dy, k.ResOut, k.W, k.B, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
            PlainForward = k => K.PlainHalfLong.Forward(k.X, k.W, k.B, k.Y, k.Mean, k.Rstd),
            PlainBackward = k => K.PlainHalfLong.Backward(k.Dy, k.X, k.W, k.Mean, k.Rstd, k.Dx, k.Dw, k.Db),
        },
    ];

    public static TheoryData<string> Names(IEnumerable<FusedCase> cases)
    {
        var data = new TheoryData<string>();
        foreach (FusedCase c in cases)
        {
            data.Add(c.Name);
        }

        return data;
    }

    public static FusedCase Named(string name)
    {
        foreach (FusedCase c in All)
        {
            if (c.Name == name)
            {
                return c;
            }
        }

        throw new KeyNotFoundException(name);
    }
}
