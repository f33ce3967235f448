namespace NormGen.Kernels;

/// <summary>
/// A kernel that processes a contiguous range of independent rows. Generated kernels implement it
/// on small structs that hold pinned pointers, so <see cref="RowScheduler"/> can hand ranges of
/// rows to worker threads without allocating per row.
/// </summary>
public interface IRowKernel
{
    /// <summary>Processes rows <paramref name="firstRow"/> to <paramref name="firstRow"/> + <paramref name="rowCount"/> - 1.</summary>
    void Execute(int firstRow, int rowCount);
}

/// <summary>
/// A kernel that processes one block of a <see cref="ReductionPlan"/>: it handles the block's rows
/// and writes its partial reductions to the block's own slot, so blocks never share an accumulator.
/// </summary>
public interface IRowBlockKernel
{
    /// <summary>Processes block <paramref name="block"/>, which covers the given rows.</summary>
    void Execute(int block, int firstRow, int rowCount);
}
