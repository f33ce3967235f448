using System;

namespace NormGen.Kernels;

/// <summary>
/// How the rows of a reduction over rows (dγ, dβ) are split into blocks. The split depends only on
/// the shape, never on the number of threads, and the per-block partials are summed in block order,
/// so the result is bitwise identical from run to run and on any machine width.
/// </summary>
public readonly struct ReductionPlan : IEquatable<ReductionPlan>
{
    /// <summary>Elements a block should cover at least, so that the partial buffers stay small next to the data.</summary>
    internal const long MinElementsPerBlock = 1 << 16;

    /// <summary>The most blocks a plan uses; bounds the scratch memory to this many partial rows.</summary>
    internal const int MaxBlocks = 64;

    /// <summary>
    /// Elements all partial rows together should stay within, once the plan has enough blocks to keep a
    /// machine's cores busy: long rows (LayerNorm over C,H,W) would otherwise fill memory with partial rows
    /// that cost more to write and sum than the reduction itself.
    /// </summary>
    internal const long MaxPartialElements = 1 << 18;

    /// <summary>Blocks a plan keeps (rows allowing) however long its rows, so the work still spreads over cores.</summary>
    internal const int MinParallelBlocks = 8;

    private ReductionPlan(int rowCount, int blockCount)
    {
        RowCount = rowCount;
        BlockCount = blockCount;
    }

    /// <summary>The rows being reduced.</summary>
    public int RowCount { get; }

    /// <summary>The number of blocks (and of partial rows).</summary>
    public int BlockCount { get; }

    /// <summary>Plans a reduction over <paramref name="rowCount"/> rows of <paramref name="rowLength"/> elements.</summary>
    public static ReductionPlan For(int rowCount, int rowLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowLength);

        long elements = (long)rowCount * rowLength;
        long blocks = Math.Clamp(elements / MinElementsPerBlock, 1, MaxBlocks);
        blocks = Math.Min(blocks, Math.Max(MinParallelBlocks, MaxPartialElements / rowLength));
        return new ReductionPlan(rowCount, (int)Math.Min(blocks, Math.Max(rowCount, 1)));
    }

    /// <summary>The first row of <paramref name="block"/>.</summary>
    public int FirstRow(int block) => (int)((long)RowCount * block / BlockCount);

    /// <summary>The number of rows in <paramref name="block"/>.</summary>
    public int RowsIn(int block) => FirstRow(block + 1) - FirstRow(block);

    /// <inheritdoc/>
    public bool Equals(ReductionPlan other) => RowCount == other.RowCount && BlockCount == other.BlockCount;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ReductionPlan other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(RowCount, BlockCount);
}
