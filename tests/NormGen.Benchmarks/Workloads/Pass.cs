namespace NormGen.Benchmarks.Workloads;

/// <summary>What one timed call does.</summary>
public enum Pass
{
    /// <summary>Normalize the input: no statistics saved, no graph recorded.</summary>
    Forward,

    /// <summary>
    /// Normalize while saving what backward needs, then back-propagate a fixed upstream gradient into
    /// the input gradient and the weight (and bias) gradients.
    /// </summary>
    ForwardBackward,
}
