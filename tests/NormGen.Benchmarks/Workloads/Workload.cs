using System;
using System.Collections.Generic;

namespace NormGen.Benchmarks.Workloads;

/// <summary>
/// One implementation of one case, with every buffer allocated up front so that a timed call does only
/// the work itself (plus whatever the implementation allocates on its own, as TorchSharp does).
/// </summary>
internal abstract class Workload : IDisposable
{
    /// <summary>The timed call.</summary>
    public abstract void Run();

    /// <summary>
    /// Runs once more and returns copies of what that run produced, by name: <c>y</c> for a forward pass;
    /// <c>dx</c>, <c>dweight</c> and (LayerNorm) <c>dbias</c> for a forward and backward pass.
    /// </summary>
    public abstract IReadOnlyDictionary<string, float[]> Capture();

    public virtual void Dispose()
    {
    }
}
