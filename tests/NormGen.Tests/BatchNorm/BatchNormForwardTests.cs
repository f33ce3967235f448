using System;
using NormGen.Tests.Support;
using Xunit;
using static NormGen.Tests.BatchNorm.BatchNormTestData;

namespace NormGen.Tests.BatchNorm;

/// <summary>
/// The forward passes against the float64 reference: training with batch statistics and the running-statistics
/// update, evaluation with running statistics, and the edge cases PyTorch defines.
/// </summary>
public class BatchNormForwardTests
{
    [Theory]
    [MemberData(nameof(BatchNormCases.Names), MemberType = typeof(BatchNormCases))]
    public void Training_forward_matches_the_reference(string name)
    {
        BatchNormCase norm = BatchNormCases.Named(name);
        int batch = BatchFor(norm);
        BatchShape shape = norm.Shape(batch);
        double[] x = Input(norm, batch, seed: 1);
        (double[] w, double[] b) = Parameters(norm, seed: 2);
        (double[] runningMean, double[] runningVar) = Running(norm, seed: 3);
        double[] expectedMean = (double[])runningMean.Clone(), expectedVar = (double[])runningVar.Clone();
        long tracked = 7, expectedTracked = 7;

        ReferenceBatchNorm.Forward actual = norm.Train(x, w, b, runningMean, runningVar, ref tracked);
        ReferenceBatchNorm.Forward expected = ReferenceBatchNorm.Train(shape, x, Weight(norm, w), Bias(norm, b), norm.Epsilon, norm.Activation);

        AssertClose(norm, expected.Output, actual.Output, "y");
        AssertClose(norm, expected.Mean, actual.Mean, "saveMean");
        AssertClose(norm, expected.Rstd, actual.Rstd, "saveRstd");
        if (norm.Track)
        {
            ReferenceBatchNorm.UpdateRunning(shape, x, expectedMean, expectedVar, ref expectedTracked, norm.Momentum);
            AssertClose(norm, expectedMean, runningMean, "runningMean");
            AssertClose(norm, expectedVar, runningVar, "runningVar");
            Assert.Equal(expectedTracked, tracked);
        }
    }

    [Theory]
    [MemberData(nameof(BatchNormCases.Names), MemberType = typeof(BatchNormCases))]
    public void Evaluation_forward_matches_the_reference(string name)
    {
        BatchNormCase norm = BatchNormCases.Named(name);
        int batch = BatchFor(norm);
        BatchShape shape = norm.Shape(batch);
        double[] x = Input(norm, batch, seed: 4);
        (double[] w, double[] b) = Parameters(norm, seed: 5);
        (double[] runningMean, double[] runningVar) = Running(norm, seed: 6);

        double[] actual = norm.Eval(x, w, b, runningMean, runningVar);
        double[] expected = norm.Track
            ? ReferenceBatchNorm.Eval(shape, x, Weight(norm, w), Bias(norm, b), runningMean, runningVar, norm.Epsilon, norm.Activation)
            : ReferenceBatchNorm.Train(shape, x, Weight(norm, w), Bias(norm, b), norm.Epsilon, norm.Activation).Output;

        AssertClose(norm, expected, actual, "y");
    }

    [Theory]
    [MemberData(nameof(BatchNormCases.TrackedNames), MemberType = typeof(BatchNormCases))]
    public void Running_statistics_follow_several_training_steps_of_different_batch_sizes(string name)
    {
        BatchNormCase norm = BatchNormCases.Named(name);
        (double[] w, double[] b) = Parameters(norm, seed: 7);
        double[] runningMean = new double[norm.Channels], runningVar = new double[norm.Channels];
        Array.Fill(runningVar, 1.0);
        double[] expectedMean = (double[])runningMean.Clone(), expectedVar = (double[])runningVar.Clone();
        long tracked = 0, expectedTracked = 0;

        for (int step = 0; step < 5; step++)
        {
            int batch = BatchFor(norm) + step % 3;
            double[] x = Input(norm, batch, seed: 10 + step, mean: step - 2, std: 1 + step);
            norm.Train(x, w, b, runningMean, runningVar, ref tracked);
            ReferenceBatchNorm.UpdateRunning(norm.Shape(batch), x, expectedMean, expectedVar, ref expectedTracked, norm.Momentum);
        }

        Assert.Equal(5, tracked);
        AssertClose(norm, expectedMean, runningMean, "runningMean", scale: 10);
        AssertClose(norm, expectedVar, runningVar, "runningVar", scale: 10);
    }

    [Fact]
    public void Cumulative_average_weights_every_batch_equally()
    {
        BatchNormCase norm = BatchNormCases.BnCumulative;
        double[] runningMean = new double[norm.Channels], runningVar = new double[norm.Channels];
        var means = new double[norm.Channels];
        long tracked = 0;
        const int Steps = 4;
        for (int step = 0; step < Steps; step++)
        {
            double[] x = Input(norm, 3, seed: 20 + step, mean: 3 * step);
            norm.Train(x, null, null, runningMean, runningVar, ref tracked);
            double[] batchMean = ReferenceBatchNorm.Statistics(norm.Shape(3), x).Mean;
            for (int c = 0; c < norm.Channels; c++)
            {
                means[c] += batchMean[c] / Steps;
            }
        }

        // With momentum 1/numBatchesTracked the first batch replaces the initial values, and after k batches
        // the running mean is the plain average of their means.
        AssertClose(norm, means, runningMean, "runningMean", scale: 10);
    }

    [Fact]
    public void Momentum_weighs_the_new_batch()
    {
        BatchNormCase norm = BatchNormCases.Bn2dLong;
        Assert.Equal(0.3, norm.Momentum);
        double[] runningMean = new double[norm.Channels], runningVar = new double[norm.Channels];
        Array.Fill(runningMean, 10.0);
        Array.Fill(runningVar, 2.0);
        long tracked = 0;
        double[] x = Input(norm, 2, seed: 30);

        norm.Train(x, null, null, runningMean, runningVar, ref tracked);

        (double[] mean, double[] variance) = ReferenceBatchNorm.Statistics(norm.Shape(2), x);
        double values = norm.Shape(2).ValuesPerChannel;
        for (int c = 0; c < norm.Channels; c++)
        {
            Assert.Equal(0.7 * 10 + 0.3 * mean[c], runningMean[c], 1e-5);
            Assert.Equal(0.7 * 2 + 0.3 * variance[c] * values / (values - 1), runningVar[c], 1e-4);
        }
    }

    [Fact]
    public void Without_running_statistics_evaluation_uses_batch_statistics()
    {
        foreach (BatchNormCase norm in new[] { BatchNormCases.BnUntracked, BatchNormCases.BnUntrackedNhwc })
        {
            double[] x = Input(norm, 3, seed: 31);
            (double[] w, double[] b) = Parameters(norm, seed: 32);
            long ignored = 0;
            double[] training = norm.Train(x, w, b, [], [], ref ignored).Output;
            double[] evaluation = norm.Eval(x, w, b, [], []);
            AssertBitwiseEqual(training, evaluation, norm.Name);
        }
    }

    [Fact]
    public void A_single_value_per_channel_in_training_throws_naming_the_input()
    {
        var x = new float[BatchNormTestNorms.Bn1d.Channels];
        float[] w = new float[6], b = new float[6], rm = new float[6], rv = new float[6], y = new float[6];
        long tracked = 0;
        var error = Assert.Throws<ArgumentException>(() => BatchNormTestNorms.Bn1d.ForwardTraining(x, w, b, rm, rv, ref tracked, y));
        Assert.Equal("input", error.ParamName);
        Assert.Contains("Expected more than 1 value per channel when training", error.Message);
        Assert.Equal(0, tracked);

        var untracked = new float[BatchNormTestNorms.BnUntracked.SampleLength];
        // One sample of a 2d norm has Spatial values per channel: allowed.
        BatchNormTestNorms.BnUntracked.Forward(untracked, new float[4], new float[4], new float[untracked.Length]);
    }

    [Fact]
    public void An_empty_batch_counts_as_a_batch_and_changes_nothing_else()
    {
        float[] rm = [1, 2, 3, 4], rv = [5, 6, 7, 8];
        long tracked = 3;
        BatchNormTestNorms.Bn2d.ForwardTraining([], new float[4], new float[4], rm, rv, ref tracked, []);
        Assert.Equal(4, tracked);
        Assert.Equal([1f, 2, 3, 4], rm);
        Assert.Equal([5f, 6, 7, 8], rv);
    }

    [Theory]
    [InlineData("bn2dLong")]
    [InlineData("bnNhwc")]
    [InlineData("bn2dD")]
    public void Statistics_stay_accurate_under_a_large_common_offset(string name)
    {
        BatchNormCase norm = BatchNormCases.Named(name);
        int batch = BatchFor(norm);
        double[] x = Input(norm, batch, seed: 40, mean: 1e4, std: 1);
        (double[] w, double[] b) = Parameters(norm, seed: 41);
        double[] rm = new double[norm.Channels], rv = new double[norm.Channels];
        long tracked = 0;

        ReferenceBatchNorm.Forward actual = norm.Train(x, w, b, rm, rv, ref tracked);
        ReferenceBatchNorm.Forward expected = ReferenceBatchNorm.Train(norm.Shape(batch), x, w, b, norm.Epsilon);

        // The deviations from the mean are exact, so rstd keeps its full relative accuracy (E[x²] - E[x]² in float
        // would lose every digit here). The output can be no closer than the mean stored in the element type:
        // half a unit in the last place of 1e4 is 5e-4 in float.
        AssertClose(norm, expected.Rstd, actual.Rstd, "saveRstd", scale: 10);
        AssertClose(norm, expected.Output, actual.Output, "y", scale: norm.IsDouble ? 1e4 : 100);
    }

    [Theory]
    [InlineData("bn2d")]
    [InlineData("bn2dLong")]
    [InlineData("bnNhwc")]
    [InlineData("bn1d")]
    public void A_constant_channel_gives_exactly_the_bias(string name)
    {
        BatchNormCase norm = BatchNormCases.Named(name);
        int batch = BatchFor(norm);
        BatchShape shape = norm.Shape(batch);
        double[] x = Input(norm, batch, seed: 42);
        foreach (int i in shape.IndicesOf(1))
        {
            x[i] = norm.Round(0.1);
        }

        (double[] w, double[] b) = Parameters(norm, seed: 43);
        double[] rm = new double[norm.Channels], rv = new double[norm.Channels];
        long tracked = 0;
        ReferenceBatchNorm.Forward actual = norm.Train(x, w, b, rm, rv, ref tracked);

        foreach (int i in shape.IndicesOf(1))
        {
            Assert.Equal(b[1], actual.Output[i]);
        }

        Assert.Equal(norm.Round(0.1), actual.Mean[1]);
        Assert.Equal(0, rv[1]);
    }

    [Theory]
    [InlineData("bn2d")]
    [InlineData("bnNhwc")]
    public void A_NaN_poisons_its_channel_only(string name)
    {
        BatchNormCase norm = BatchNormCases.Named(name);
        int batch = BatchFor(norm);
        BatchShape shape = norm.Shape(batch);
        double[] x = Input(norm, batch, seed: 44);
        x[shape.Index(1, 2, 3)] = double.NaN;
        double[] rm = new double[norm.Channels], rv = new double[norm.Channels];
        long tracked = 0;

        ReferenceBatchNorm.Forward actual = norm.Train(x, null, null, rm, rv, ref tracked);

        for (int c = 0; c < norm.Channels; c++)
        {
            foreach (int i in shape.IndicesOf(c))
            {
                Assert.Equal(c == 2, double.IsNaN(actual.Output[i]));
            }

            Assert.Equal(c == 2, double.IsNaN(rm[c]));
            Assert.Equal(c == 2, double.IsNaN(rv[c]));
        }
    }

    [Fact]
    public void Output_may_be_the_input()
    {
        const int Batch = 3;
        float[] x = Array.ConvertAll(TestData.Normal(Batch * BatchNormTestNorms.Bn2dLong.SampleLength, 45), v => (float)v);
        float[] w = [1.5f, 0.5f, 2], b = [0.1f, 0.2f, 0.3f];
        float[] rm = new float[3], rv = new float[3], expected = new float[x.Length];
        long tracked = 0;
        BatchNormTestNorms.Bn2dLong.ForwardTraining(x, w, b, rm, rv, ref tracked, expected);
        BatchNormTestNorms.Bn2dLong.ForwardTraining(x, w, b, rm, rv, ref tracked, x);
        Assert.Equal(expected, x);
    }

    [Fact]
    public void Output_that_partly_overlaps_the_input_is_rejected()
    {
        float[] buffer = new float[3 * BatchNormTestNorms.Bn2d.SampleLength];
        float[] w = new float[4], b = new float[4], rm = new float[4], rv = new float[4];
        long tracked = 0;
        var error = Assert.Throws<ArgumentException>(() => BatchNormTestNorms.Bn2d.ForwardTraining(
            buffer.AsSpan(0, 2 * BatchNormTestNorms.Bn2d.SampleLength), w, b, rm, rv, ref tracked,
            buffer.AsSpan(BatchNormTestNorms.Bn2d.SampleLength, 2 * BatchNormTestNorms.Bn2d.SampleLength)));
        Assert.Equal("output", error.ParamName);
    }

    [Fact]
    public void Wrong_lengths_are_rejected_naming_the_argument()
    {
        float[] x = new float[2 * BatchNormTestNorms.Bn2d.SampleLength], y = new float[x.Length];
        float[] four = new float[4], three = new float[3];
        long tracked = 0;
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => BatchNormTestNorms.Bn2d.ForwardTraining(x.AsSpan(1), four, four, four, four, ref tracked, y.AsSpan(1))).ParamName);
        Assert.Equal("weight", Assert.Throws<ArgumentException>(() => BatchNormTestNorms.Bn2d.ForwardTraining(x, three, four, four, four, ref tracked, y)).ParamName);
        Assert.Equal("bias", Assert.Throws<ArgumentException>(() => BatchNormTestNorms.Bn2d.ForwardEval(x, four, three, four, four, y)).ParamName);
        Assert.Equal("runningVar", Assert.Throws<ArgumentException>(() => BatchNormTestNorms.Bn2d.ForwardEval(x, four, four, four, three, y)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => BatchNormTestNorms.Bn2d.ForwardEval(x, four, four, four, four, y.AsSpan(1))).ParamName);
        Assert.Equal("saveRstd", Assert.Throws<ArgumentException>(() => BatchNormTestNorms.Bn2d.ForwardTraining(x, four, four, four, four, ref tracked, y, four, three)).ParamName);
        Assert.Equal(0, tracked);
    }
}
