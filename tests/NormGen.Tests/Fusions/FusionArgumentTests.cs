using System;
using Xunit;
using K = NormGen.Tests.Fusions.FusionTestNorms;

namespace NormGen.Tests.Fusions;

/// <summary>
/// The fused signatures' contract: every extra span is checked and named when its length is wrong,
/// the residual sum may replace either addend but must not overlap the output, optional gradients
/// may be skipped, and in-place calls give the results of separate buffers.
/// </summary>
public class FusionArgumentTests
{
    private const int D = 37, Rows = 4, N = D * Rows;

    [Fact]
    public void Wrong_lengths_name_the_fused_arguments()
    {
        float[] x = new float[N], ib = new float[D], res = new float[N], w = new float[D], b = new float[D];
        float[] y = new float[N], sum = new float[N], mean = new float[Rows], rstd = new float[Rows];
        float[] dx = new float[N], dib = new float[D], dw = new float[D], db = new float[D];

        Assert.Equal("inputBias", Assert.Throws<ArgumentException>(() => K.LnAllGeluTanh.Forward(x, new float[D + 1], res, w, b, y, sum, mean, rstd)).ParamName);
        Assert.Equal("residual", Assert.Throws<ArgumentException>(() => K.LnAllGeluTanh.Forward(x, ib, new float[N - D], w, b, y, sum, mean, rstd)).ParamName);
        Assert.Equal("residualOutput", Assert.Throws<ArgumentException>(() => K.LnAllGeluTanh.Forward(x, ib, res, w, b, y, new float[N + 1], mean, rstd)).ParamName);
        Assert.Equal("bias", Assert.Throws<ArgumentException>(() => K.LnAllGeluTanh.Backward(y, sum, w, new float[3], mean, rstd, dx, dib, dw, db)).ParamName);
        Assert.Equal("gradInputBias", Assert.Throws<ArgumentException>(() => K.LnAllGeluTanh.Backward(y, sum, w, b, mean, rstd, dx, new float[2], dw, db)).ParamName);
        Assert.Equal("residualOutput", Assert.Throws<ArgumentException>(() => K.LnAllGeluTanh.Backward(y, new float[N + 2], w, b, mean, rstd, dx, dib, dw, db)).ParamName);
        Assert.Equal("inputBias", Assert.Throws<ArgumentException>(() => K.LnInputBias.Backward(y, x, new float[1], w, mean, rstd, dx, dib, dw, db)).ParamName);

        Half[] hx = new Half[N], hres = new Half[N], hw = new Half[D], hb = new Half[D], hy = new Half[N];
        Assert.Equal("residualOutput", Assert.Throws<ArgumentException>(() => K.LnHalfResidualGelu.Forward(hx, hres, hw, hb, hy, new Half[1], mean, rstd)).ParamName);
        Assert.Equal("mean", Assert.Throws<ArgumentException>(() => K.LnHalfResidualGelu.Forward(hx, hres, hw, hb, hy, new Half[N], new float[1], rstd)).ParamName);
    }

    [Fact]
    public void The_residual_sum_must_not_overlap_the_output()
    {
        float[] x = new float[N], res = new float[N], w = new float[D], b = new float[D], shared = new float[N];
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => K.LnResidual.Forward(x, res, w, b, shared, shared)).ParamName);

        float[] big = new float[2 * N];
        Assert.Equal("residualOutput", Assert.Throws<ArgumentException>(
            () => K.LnResidual.Forward(big.AsSpan(0, N), res, w, b, new float[N], big.AsSpan(D, N))).ParamName);
    }

    [Fact]
    public void Residual_sum_in_place_of_either_addend_and_output_in_place_of_the_input_match_separate_buffers()
    {
        FusedCase c = FusedCases.Named("lnAllGeluTanh");
        FusedInputs inputs = c.Inputs(Rows, seed: 500);
        float[] x = F(inputs.X), ib = F(inputs.InputBias), res = F(inputs.Residual), w = F(inputs.Weight), b = F(inputs.Bias);

        float[] y = new float[N], sum = new float[N], mean = new float[Rows], rstd = new float[Rows];
        K.LnAllGeluTanh.Forward(x, ib, res, w, b, y, sum, mean, rstd);

        // The residual stream updated in place, the output written over the input.
        float[] stream = (float[])res.Clone(), input = (float[])x.Clone();
        K.LnAllGeluTanh.Forward(input, ib, stream, w, b, input, stream, mean, rstd);
        Assert.Equal(sum, stream);
        Assert.Equal(y, input);

        // Sum written over the input instead.
        float[] overInput = (float[])x.Clone(), y2 = new float[N];
        K.LnAllGeluTanh.Forward(overInput, ib, res, w, b, y2, overInput, mean, rstd);
        Assert.Equal(sum, overInput);
        Assert.Equal(y, y2);

        // Backward with the gradient written over the incoming one.
        float[] dy = F(inputs.GradOutput), dx = new float[N], dib = new float[D], dw = new float[D], db = new float[D];
        K.LnAllGeluTanh.Backward(dy, sum, w, b, mean, rstd, dx, dib, dw, db);
        float[] inPlace = (float[])dy.Clone();
        K.LnAllGeluTanh.Backward(inPlace, sum, w, b, mean, rstd, inPlace, [], [], []);
        Assert.Equal(dx, inPlace);
    }

    [Fact]
    public void Half_residual_sum_may_update_the_stream_in_place()
    {
        FusedCase c = FusedCases.Named("lnHalfResidualGelu");
        FusedInputs inputs = c.Inputs(Rows, seed: 600);
        Half[] x = H(inputs.X), res = H(inputs.Residual), w = H(inputs.Weight), b = H(inputs.Bias);

        Half[] y = new Half[N], sum = new Half[N];
        float[] mean = new float[Rows], rstd = new float[Rows];
        K.LnHalfResidualGelu.Forward(x, res, w, b, y, sum, mean, rstd);

        Half[] stream = (Half[])res.Clone(), output = new Half[N];
        K.LnHalfResidualGelu.Forward(x, stream, w, b, output, stream);
        Assert.Equal(sum, stream);
        Assert.Equal(y, output);
    }

    [Fact]
    public void Skipped_parameter_gradients_leave_the_others_unchanged()
    {
        FusedCase c = FusedCases.Named("lnInputBias");
        FusedInputs inputs = c.Inputs(Rows, seed: 700);
        float[] x = F(inputs.X), ib = F(inputs.InputBias), w = F(inputs.Weight), b = F(inputs.Bias), dy = F(inputs.GradOutput);
        float[] y = new float[N], mean = new float[Rows], rstd = new float[Rows];
        K.LnInputBias.Forward(x, ib, w, b, y, mean, rstd);

        float[] dx = new float[N], dib = new float[D], dw = new float[D], db = new float[D];
        K.LnInputBias.Backward(dy, x, ib, w, mean, rstd, dx, dib, dw, db);
        float[] dx2 = new float[N], dw2 = new float[D];
        K.LnInputBias.Backward(dy, x, ib, w, mean, rstd, dx2, [], dw2, []);
        Assert.Equal(dx, dx2);
        Assert.Equal(dw, dw2);
    }

    private static float[] F(double[] values) => Array.ConvertAll(values, v => (float)v);

    private static Half[] H(double[] values) => Array.ConvertAll(values, v => (Half)v);
}
