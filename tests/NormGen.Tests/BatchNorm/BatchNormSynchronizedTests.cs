using System;
using System.Linq;
using NormGen.Kernels;
using Xunit;
using static NormGen.Tests.BatchNorm.BatchNormTestData;

namespace NormGen.Tests.BatchNorm;

/// <summary>
/// Synchronized batch normalization from its building blocks: per-shard statistics, a merge in shard order,
/// the forward with merged statistics, and the two-step backward. K shards must give the full batch's result.
/// </summary>
public class BatchNormSynchronizedTests
{
    /// <summary>Shard sizes (in samples) of a batch of 7, with an empty shard among them.</summary>
    private static readonly int[] Shards = [3, 0, 1, 3];

    [Theory]
    [MemberData(nameof(BatchNormCases.Names), MemberType = typeof(BatchNormCases))]
    public void Shards_merged_give_the_full_batch_forward_and_backward(string name)
    {
        BatchNormCase norm = BatchNormCases.Named(name);
        int batch = Shards.Sum();
        int sample = norm.Channels * norm.Spatial;
        double[] x = Input(norm, batch, seed: 80);
        double[] dy = Input(norm, batch, seed: 81, mean: 0, std: 1);
        (double[] w, double[] b) = Parameters(norm, seed: 82);
        (double[] runningMean, double[] runningVar) = Running(norm, seed: 83);

        // The full batch on one device.
        double[] fullMean = (double[])runningMean.Clone(), fullVar = (double[])runningVar.Clone();
        long fullTracked = 0;
        ReferenceBatchNorm.Forward full = norm.Train(x, w, b, fullMean, fullVar, ref fullTracked);
        ReferenceBatchNorm.Gradients fullGradients = norm.Backward(dy, x, w, b, full.Mean, full.Rstd);

        // Step 1: every shard's statistics, gathered and merged in shard order.
        double[][] xs = Split(x, sample), dys = Split(dy, sample);
        var statistics = xs.Select(norm.Statistics).ToArray();
        long count = Merge(norm, statistics, out double[] mean, out double[] m2);
        Assert.Equal((long)batch * norm.Spatial, count);

        // Step 2: every shard normalizes with the merged statistics and updates its own copy of the running ones.
        var outputs = new ReferenceBatchNorm.Forward[xs.Length];
        for (int k = 0; k < xs.Length; k++)
        {
            double[] shardMean = (double[])runningMean.Clone(), shardVar = (double[])runningVar.Clone();
            long tracked = 0;
            outputs[k] = norm.TrainSynchronized(xs[k], w, b, count, mean, m2, shardMean, shardVar, ref tracked);
            if (norm.Track)
            {
                Assert.Equal(1, tracked);
                AssertClose(norm, fullMean, shardMean, $"runningMean of shard {k}");
                AssertClose(norm, fullVar, shardVar, $"runningVar of shard {k}");
            }

            AssertClose(norm, full.Mean, outputs[k].Mean, $"saveMean of shard {k}");
            AssertClose(norm, full.Rstd, outputs[k].Rstd, $"saveRstd of shard {k}");
        }

        AssertClose(norm, full.Output, outputs.SelectMany(o => o.Output).ToArray(), "y");

        // Backward: per-shard sums, summed over the shards (an all-reduce), then every shard's dx.
        double[] sum = new double[norm.Channels], sumXhat = new double[norm.Channels];
        for (int k = 0; k < xs.Length; k++)
        {
            (double[] s, double[] sx) = norm.Reduce(dys[k], xs[k], w, b, outputs[k].Mean, outputs[k].Rstd);
            for (int c = 0; c < norm.Channels; c++)
            {
                sum[c] += s[c];
                sumXhat[c] += sx[c];
            }
        }

        double sums = Math.Sqrt(count);
        if (norm.Affine)
        {
            AssertClose(norm, fullGradients.GradBias, norm.Round(sum), "Σdy = dβ", scale: sums);
            AssertClose(norm, fullGradients.GradWeight, norm.Round(sumXhat), "Σdy·x̂ = dγ", scale: sums);
        }

        double[] dx = Enumerable.Range(0, xs.Length)
            .SelectMany(k => norm.BackwardSynchronized(dys[k], xs[k], w, b, outputs[k].Mean, outputs[k].Rstd, count, sum, sumXhat))
            .ToArray();
        AssertClose(norm, fullGradients.GradInput, dx, "dx", scale: 2);
    }

    [Fact]
    public void A_merged_count_below_two_or_below_the_shard_is_rejected()
    {
        float[] x = new float[2 * BatchNormTestNorms.Bn2d.SampleLength], y = new float[x.Length];
        float[] four = new float[4];
        long tracked = 0;
        long shard = 2L * BatchNormTestNorms.Bn2d.Spatial;
        Assert.Equal("count", Assert.Throws<ArgumentException>(() =>
            BatchNormTestNorms.Bn2d.ForwardSynchronized(x, four, four, shard - 1, four, four, four, four, ref tracked, y, default, default)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentException>(() =>
            BatchNormTestNorms.Bn1d.ForwardSynchronized([], new float[6], new float[6], 1, new float[6], new float[6], new float[6], new float[6], ref tracked, [], default, default)).ParamName);
        Assert.Equal(0, tracked);
    }

    [Fact]
    public void An_empty_shard_still_updates_its_running_statistics_with_the_merged_ones()
    {
        float[] rm = [0, 0, 0, 0], rv = [1, 1, 1, 1];
        float[] mean = [1, 2, 3, 4], m2 = [9, 9, 9, 9];
        long tracked = 0;
        BatchNormTestNorms.Bn2d.ForwardSynchronized([], new float[4], new float[4], 10, mean, m2, rm, rv, ref tracked, [], default, default);
        Assert.Equal(1, tracked);
        Assert.Equal([0.1f, 0.2f, 0.3f, 0.4f], rm);
        Assert.Equal(0.9f + 0.1f * 9 / 9, rv[0], 1e-6f);
    }

    [Fact]
    public void Merge_equals_the_statistics_of_the_concatenation()
    {
        var random = new Random(84);
        const int Channels = 19;
        int[] counts = [5, 1, 0, 40, 2];
        double[][] shards = counts.Select(n => Enumerable.Range(0, n * Channels).Select(_ => 1e3 + random.NextDouble()).ToArray()).ToArray();

        var means = new double[counts.Length * Channels];
        var m2s = new double[counts.Length * Channels];
        for (int k = 0; k < counts.Length; k++)
        {
            for (int c = 0; c < Channels; c++)
            {
                double[] values = Enumerable.Range(0, counts[k]).Select(i => shards[k][i * Channels + c]).ToArray();
                (means[k * Channels + c], m2s[k * Channels + c]) = MeanAndM2(values);
            }
        }

        double[] mean = new double[Channels], m2 = new double[Channels];
        long total = BatchStatistics.Merge<double>(counts.Select(c => (long)c).ToArray(), means, m2s, mean, m2);

        Assert.Equal(counts.Sum(), total);
        for (int c = 0; c < Channels; c++)
        {
            double[] all = shards.SelectMany((s, k) => Enumerable.Range(0, counts[k]).Select(i => s[i * Channels + c])).ToArray();
            (double expectedMean, double expectedM2) = MeanAndM2(all);
            Assert.Equal(expectedMean, mean[c], 1e-9);
            Assert.Equal(expectedM2, m2[c], 1e-9);
        }
    }

    [Fact]
    public void Merge_in_float_keeps_the_variance_under_a_large_offset()
    {
        // Two shards around 1e4 whose spread is 1: the merged M2 stays exact to float's relative precision.
        float[] means = [10000f, 10001f], m2s = [50f, 50f];
        float[] mean = new float[1], m2 = new float[1];
        long total = BatchStatistics.Merge<float>([100, 100], means, m2s, mean, m2);
        Assert.Equal(200, total);
        Assert.Equal(10000.5f, mean[0]);
        Assert.Equal(150f, m2[0], 1e-3f);
    }

    [Fact]
    public void Merge_of_nothing_is_zero_and_lengths_are_checked()
    {
        float[] mean = [1, 2], m2 = [3, 4];
        Assert.Equal(0, BatchStatistics.Merge<float>([0, 0], new float[4], new float[4], mean, m2));
        Assert.Equal(new float[2], mean);
        Assert.Equal(new float[2], m2);
        Assert.Equal("means", Assert.Throws<ArgumentException>(() => BatchStatistics.Merge<float>([1, 1], new float[3], new float[4], mean, m2)).ParamName);
        Assert.Equal("m2", Assert.Throws<ArgumentException>(() => BatchStatistics.Merge<float>([1, 1], new float[4], new float[4], mean, new float[3])).ParamName);
        Assert.Equal("otherCount", Assert.Throws<ArgumentException>(() => BatchStatistics.Merge<float>(1, mean, m2, -1, mean, m2)).ParamName);
    }

    private static (double Mean, double M2) MeanAndM2(double[] values)
    {
        if (values.Length == 0)
        {
            return (0, 0);
        }

        double mean = values.Average();
        return (mean, values.Sum(v => (v - mean) * (v - mean)));
    }

    private static long Merge(BatchNormCase norm, (long Count, double[] Mean, double[] M2)[] statistics, out double[] mean, out double[] m2)
    {
        // Gathered in the kernel's statistics type, as an all-gather would deliver them.
        mean = new double[norm.Channels];
        m2 = new double[norm.Channels];
        long[] counts = statistics.Select(s => s.Count).ToArray();
        if (norm.IsDouble)
        {
            return BatchStatistics.Merge<double>(counts, statistics.SelectMany(s => s.Mean).ToArray(), statistics.SelectMany(s => s.M2).ToArray(), mean, m2);
        }

        float[] meanF = new float[norm.Channels], m2F = new float[norm.Channels];
        long count = BatchStatistics.Merge<float>(
            counts,
            statistics.SelectMany(s => s.Mean).Select(v => (float)v).ToArray(),
            statistics.SelectMany(s => s.M2).Select(v => (float)v).ToArray(),
            meanF,
            m2F);
        mean = Array.ConvertAll(meanF, v => (double)v);
        m2 = Array.ConvertAll(m2F, v => (double)v);
        return count;
    }

    private static double[][] Split(double[] values, int sample)
    {
        var parts = new double[Shards.Length][];
        int offset = 0;
        for (int k = 0; k < Shards.Length; k++)
        {
            parts[k] = values.AsSpan(offset, Shards[k] * sample).ToArray();
            offset += Shards[k] * sample;
        }

        return parts;
    }
}
