using System;
using System.Linq;
using NormGen.Kernels;
using Xunit;

namespace NormGen.Tests;

/// <summary>The runtime pieces generated kernels build on.</summary>
public class RuntimeTests
{
    [Theory]
    [InlineData(0, 768)]
    [InlineData(1, 768)]
    [InlineData(4096, 768)]
    [InlineData(8192, 4096)]
    [InlineData(3, 1 << 20)]
    public void A_reduction_plan_covers_every_row_once_in_order(int rows, int rowLength)
    {
        ReductionPlan plan = ReductionPlan.For(rows, rowLength);

        Assert.InRange(plan.BlockCount, 1, 64);
        Assert.Equal(0, plan.FirstRow(0));
        Assert.Equal(rows, Enumerable.Range(0, plan.BlockCount).Sum(plan.RowsIn));
        for (int block = 1; block < plan.BlockCount; block++)
        {
            Assert.Equal(plan.FirstRow(block - 1) + plan.RowsIn(block - 1), plan.FirstRow(block));
        }
    }

    [Fact]
    public void A_reduction_plan_depends_on_the_shape_alone()
    {
        // The partial sums' order, and so the bits of dγ/dβ, must not change with the machine.
        Assert.Equal(ReductionPlan.For(4096, 768), ReductionPlan.For(4096, 768));
        Assert.Equal(48, ReductionPlan.For(4096, 768).BlockCount);
    }

    [Fact]
    public void Long_rows_get_fewer_blocks_so_the_partial_rows_stay_small()
    {
        // LayerNorm over C,H,W of [32,64,32,32]: 32 rows of 65536. One block per row would mean 32 partial
        // rows (8 MiB per gradient); eight blocks of four rows keep the cores busy with a quarter of that.
        Assert.Equal(8, ReductionPlan.For(32, 65536).BlockCount);
        Assert.Equal(64, ReductionPlan.For(8192, 4096).BlockCount);
        Assert.Equal(3, ReductionPlan.For(3, 1 << 20).BlockCount);
    }

    [Fact]
    public void One_short_row_stays_on_the_calling_thread()
    {
        var probe = new ThreadProbe();
        RowScheduler.Run(probe, rowCount: 4, rowLength: 768);
        Assert.Equal(1, RowScheduler.WorkersFor(4, 768));
        Assert.Equal(1, RowScheduler.WorkersFor(1, 4096));
    }

    [Fact]
    public void Partial_sums_add_blocks_in_order()
    {
        float[] partials = [1, 2, 10, 20, 100, 200];
        float[] destination = new float[2];

        PartialSums.Reduce<float>(partials, 3, destination);

        Assert.Equal([111f, 222f], destination);
        Assert.Throws<ArgumentException>(() => PartialSums.Reduce<float>(partials, 4, destination));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(768)]
    [InlineData(4099)]
    public unsafe void Partial_rows_start_on_a_cache_line_and_hold_what_was_asked(int length)
    {
        for (int attempt = 0; attempt < 8; attempt++)
        {
            using PartialRows<float> rows = PartialRows<float>.Rent(length);
            Assert.Equal(length, rows.Span.Length);
            fixed (float* start = rows.Span)
            {
                Assert.Equal(0, (int)((nuint)start % PartialRows<float>.Alignment));
            }

            rows.Span.Fill(attempt);
            Assert.Equal(attempt, rows.Span[length - 1]);
        }
    }

    [Fact]
    public unsafe void Empty_partial_rows_pin_to_null()
    {
        using PartialRows<double> rows = PartialRows<double>.Rent(0);
        fixed (double* start = rows.Span)
        {
            Assert.True(start == null);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => PartialRows<double>.Rent(-1));
    }

    [Fact]
    public void Row_counts_reject_ragged_lengths()
    {
        var error = Assert.Throws<ArgumentException>(() => KernelArguments.RowCount(10, 3, "input"));
        Assert.Equal("input", error.ParamName);
    }

    private readonly struct ThreadProbe : IRowKernel
    {
        private readonly int _caller;

        public ThreadProbe() => _caller = Environment.CurrentManagedThreadId;

        public void Execute(int firstRow, int rowCount) => Assert.Equal(_caller, Environment.CurrentManagedThreadId);
    }
}
