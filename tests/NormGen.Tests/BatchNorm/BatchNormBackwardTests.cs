using System;
using Xunit;
using static NormGen.Tests.BatchNorm.BatchNormTestData;

namespace NormGen.Tests.BatchNorm;

/// <summary>
/// The backward passes against the float64 reference and, in double, against central finite differences of the
/// kernels' own forward passes; plus reproducibility and aliasing.
/// </summary>
public class BatchNormBackwardTests
{
    [Theory]
    [MemberData(nameof(BatchNormCases.Names), MemberType = typeof(BatchNormCases))]
    public void Training_backward_matches_the_reference(string name)
    {
        BatchNormCase norm = BatchNormCases.Named(name);
        int batch = BatchFor(norm);
        BatchShape shape = norm.Shape(batch);
        double[] x = Input(norm, batch, seed: 50);
        double[] dy = Input(norm, batch, seed: 51, mean: 0, std: 1);
        (double[] w, double[] b) = Parameters(norm, seed: 52);
        double[] rm = new double[norm.Channels], rv = new double[norm.Channels];
        long tracked = 0;
        ReferenceBatchNorm.Forward saved = norm.Train(x, w, b, rm, rv, ref tracked);

        ReferenceBatchNorm.Gradients actual = norm.Backward(dy, x, w, b, saved.Mean, saved.Rstd);
        ReferenceBatchNorm.Gradients expected = ReferenceBatchNorm.Backward(shape, dy, x, Weight(norm, w), norm.Epsilon, Bias(norm, b), norm.Activation);

        double sums = Math.Sqrt(shape.ValuesPerChannel);
        AssertClose(norm, expected.GradInput, actual.GradInput, "dx");
        if (norm.Affine)
        {
            AssertClose(norm, expected.GradWeight, actual.GradWeight, "dγ", scale: sums);
            AssertClose(norm, expected.GradBias, actual.GradBias, "dβ", scale: sums);
        }
    }

    [Theory]
    [MemberData(nameof(BatchNormCases.TrackedNames), MemberType = typeof(BatchNormCases))]
    public void Evaluation_backward_matches_the_reference(string name)
    {
        BatchNormCase norm = BatchNormCases.Named(name);
        int batch = BatchFor(norm);
        BatchShape shape = norm.Shape(batch);
        double[] x = Input(norm, batch, seed: 53);
        double[] dy = Input(norm, batch, seed: 54, mean: 0, std: 1);
        (double[] w, double[] b) = Parameters(norm, seed: 55);
        (double[] rm, double[] rv) = Running(norm, seed: 56);

        ReferenceBatchNorm.Gradients actual = norm.BackwardEval(dy, x, w, b, rm, rv);
        ReferenceBatchNorm.Gradients expected = ReferenceBatchNorm.BackwardEval(shape, dy, x, Weight(norm, w), rm, rv, norm.Epsilon, Bias(norm, b), norm.Activation);

        double sums = Math.Sqrt(shape.ValuesPerChannel);
        AssertClose(norm, expected.GradInput, actual.GradInput, "dx");
        if (norm.Affine)
        {
            AssertClose(norm, expected.GradWeight, actual.GradWeight, "dγ", scale: sums);
            AssertClose(norm, expected.GradBias, actual.GradBias, "dβ", scale: sums);
        }
    }

    [Theory]
    [MemberData(nameof(BatchNormCases.DoubleNames), MemberType = typeof(BatchNormCases))]
    public void Training_backward_matches_central_differences_of_the_forward(string name)
    {
        BatchNormCase norm = BatchNormCases.Named(name);
        const int Batch = 3;
        double[] x = Input(norm, Batch, seed: 57);
        double[] dy = Input(norm, Batch, seed: 58, mean: 0, std: 1);
        (double[] w, double[] b) = Parameters(norm, seed: 59);

        // The loss Σ dy·y, whose gradient the backward pass computes.
        double Loss(double[] input, double[] weight, double[] bias)
        {
            long ignored = 0;
            double[] y = norm.Train(input, weight, bias, new double[norm.Channels], new double[norm.Channels], ref ignored).Output;
            double loss = 0;
            for (int i = 0; i < y.Length; i++)
            {
                loss += dy[i] * y[i];
            }

            return loss;
        }

        long tracked = 0;
        ReferenceBatchNorm.Forward saved = norm.Train(x, w, b, new double[norm.Channels], new double[norm.Channels], ref tracked);
        ReferenceBatchNorm.Gradients analytic = norm.Backward(dy, x, w, b, saved.Mean, saved.Rstd);
        AssertMatchesCentralDifferences(analytic, x, w, b, Loss);
    }

    [Theory]
    [MemberData(nameof(BatchNormCases.DoubleNames), MemberType = typeof(BatchNormCases))]
    public void Evaluation_backward_matches_central_differences_of_the_evaluation_forward(string name)
    {
        BatchNormCase norm = BatchNormCases.Named(name);
        const int Batch = 2;
        double[] x = Input(norm, Batch, seed: 60);
        double[] dy = Input(norm, Batch, seed: 61, mean: 0, std: 1);
        (double[] w, double[] b) = Parameters(norm, seed: 62);
        (double[] rm, double[] rv) = Running(norm, seed: 63);

        double Loss(double[] input, double[] weight, double[] bias)
        {
            double[] y = norm.Eval(input, weight, bias, rm, rv);
            double loss = 0;
            for (int i = 0; i < y.Length; i++)
            {
                loss += dy[i] * y[i];
            }

            return loss;
        }

        AssertMatchesCentralDifferences(norm.BackwardEval(dy, x, w, b, rm, rv), x, w, b, Loss);
    }

    private static void AssertMatchesCentralDifferences(
        ReferenceBatchNorm.Gradients analytic, double[] x, double[] w, double[] b, Func<double[], double[], double[], double> loss)
    {
        const double H = 1e-5;
        double Derivative(double[] values, int i)
        {
            double saved = values[i];
            values[i] = saved + H;
            double plus = loss(x, w, b);
            values[i] = saved - H;
            double minus = loss(x, w, b);
            values[i] = saved;
            return (plus - minus) / (2 * H);
        }

        for (int i = 0; i < x.Length; i += Math.Max(1, x.Length / 40))
        {
            Assert.Equal(Derivative(x, i), analytic.GradInput[i], 1e-6);
        }

        for (int c = 0; c < w.Length; c++)
        {
            Assert.Equal(Derivative(w, c), analytic.GradWeight[c], 1e-6);
            Assert.Equal(Derivative(b, c), analytic.GradBias[c], 1e-6);
        }
    }

    [Theory]
    [InlineData("bnLarge")]
    [InlineData("bnLargeNhwc")]
    [InlineData("bn2dLong")]
    public void Every_pass_is_bitwise_reproducible(string name)
    {
        BatchNormCase norm = BatchNormCases.Named(name);
        const int Batch = 16;
        double[] x = Input(norm, Batch, seed: 64);
        double[] dy = Input(norm, Batch, seed: 65, mean: 0, std: 1);
        (double[] w, double[] b) = Parameters(norm, seed: 66);

        ReferenceBatchNorm.Forward first = Train(), second = Train();
        AssertBitwiseEqual(first.Output, second.Output, "y");
        AssertBitwiseEqual(first.Mean, second.Mean, "saveMean");
        AssertBitwiseEqual(first.Rstd, second.Rstd, "saveRstd");

        ReferenceBatchNorm.Gradients one = norm.Backward(dy, x, w, b, first.Mean, first.Rstd);
        ReferenceBatchNorm.Gradients two = norm.Backward(dy, x, w, b, first.Mean, first.Rstd);
        AssertBitwiseEqual(one.GradInput, two.GradInput, "dx");
        AssertBitwiseEqual(one.GradWeight, two.GradWeight, "dγ");
        AssertBitwiseEqual(one.GradBias, two.GradBias, "dβ");

        ReferenceBatchNorm.Forward Train()
        {
            long tracked = 0;
            return norm.Train(x, w, b, new double[norm.Channels], new double[norm.Channels], ref tracked);
        }
    }

    [Fact]
    public void Input_gradient_may_be_the_output_gradient_or_the_input()
    {
        const int Batch = 3;
        int length = Batch * BatchNormTestNorms.BnNhwc.SampleLength;
        float[] x = Array.ConvertAll(Support.TestData.Normal(length, 67), v => (float)v);
        float[] dy = Array.ConvertAll(Support.TestData.Normal(length, 68), v => (float)v);
        float[] w = Array.ConvertAll(Support.TestData.Normal(20, 69, mean: 1), v => (float)v), b = new float[20];
        float[] mean = new float[20], rstd = new float[20], rm = new float[20], rv = new float[20], y = new float[length];
        long tracked = 0;
        BatchNormTestNorms.BnNhwc.ForwardTraining(x, w, b, rm, rv, ref tracked, y, mean, rstd);

        float[] expected = new float[length], dw = new float[20], db = new float[20];
        BatchNormTestNorms.BnNhwc.Backward(dy, x, w, mean, rstd, expected, dw, db);

        float[] inPlace = (float[])dy.Clone();
        BatchNormTestNorms.BnNhwc.Backward(inPlace, x, w, mean, rstd, inPlace, dw, db);
        Assert.Equal(expected, inPlace);

        float[] overInput = (float[])x.Clone();
        BatchNormTestNorms.BnNhwc.Backward(dy, overInput, w, mean, rstd, overInput, default, default);
        Assert.Equal(expected, overInput);
    }

    [Fact]
    public void An_empty_batch_has_zero_parameter_gradients()
    {
        float[] dw = [1, 2, 3, 4], db = [5, 6, 7, 8];
        BatchNormTestNorms.Bn2d.Backward([], [], new float[4], new float[4], new float[4], [], dw, db);
        Assert.Equal(new float[4], dw);
        Assert.Equal(new float[4], db);
    }

    [Fact]
    public void Wrong_lengths_are_rejected_naming_the_argument()
    {
        float[] x = new float[2 * BatchNormTestNorms.Bn2d.SampleLength], dx = new float[x.Length];
        float[] four = new float[4], three = new float[3];
        Assert.Equal("gradOutput", Assert.Throws<ArgumentException>(() => BatchNormTestNorms.Bn2d.Backward(x.AsSpan(1), x, four, four, four, dx, four, four)).ParamName);
        Assert.Equal("saveRstd", Assert.Throws<ArgumentException>(() => BatchNormTestNorms.Bn2d.Backward(x, x, four, four, three, dx, four, four)).ParamName);
        Assert.Equal("gradInput", Assert.Throws<ArgumentException>(() => BatchNormTestNorms.Bn2d.Backward(x, x, four, four, four, dx.AsSpan(1), four, four)).ParamName);
        Assert.Equal("gradBias", Assert.Throws<ArgumentException>(() => BatchNormTestNorms.Bn2d.BackwardEval(x, x, four, four, four, dx, four, three)).ParamName);
        Assert.Equal("runningMean", Assert.Throws<ArgumentException>(() => BatchNormTestNorms.Bn2d.BackwardEval(x, x, four, three, four, dx, four, four)).ParamName);
    }
}
