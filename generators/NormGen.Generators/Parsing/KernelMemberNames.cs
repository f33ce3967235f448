using System;
using System.Collections.Generic;
using NormGen.Generators.Model;

namespace NormGen.Generators.Parsing;

/// <summary>
/// The names each emitter declares directly in a kernel type. A type cannot have a member named like
/// itself (CS0542), so a norm whose kernel type name is one of these is reported (NG0017) instead of
/// emitted. The generator tests read the names off generated code and check that every one is here.
/// </summary>
internal static class KernelMemberNames
{
    /// <summary>
    /// Suffixes of the per-width routines (one per SIMD width and a scalar one), which every kernel may
    /// declare: names ending in one of them are taken whatever the routine.
    /// </summary>
    private static readonly string[] WidthSuffixes = ["Scalar", "Vector128", "Vector256", "Vector512"];

    private static readonly HashSet<string> Rows = new(StringComparer.Ordinal)
    {
        "Activate", "ActivateBackward", "Backward", "BackwardBlocks", "BackwardRow", "Epsilon", "Forward",
        "ForwardRow", "ForwardRows", "NormalizeRow", "NormalizedShape", "Row", "RowCount", "RowLength",
    };

    private static readonly HashSet<string> Columns = new(StringComparer.Ordinal)
    {
        "AccumulatorLanes", "Backward", "BackwardPanel", "BackwardPanels", "ColumnCount", "Epsilon", "FoldLanes",
        "Forward", "ForwardPanel", "ForwardPanels", "Inner", "NarrowPanel", "NormalizePanel", "NormalizedShape",
        "OuterCount", "PanelWidth", "PanelsPerOuter", "PrefetchDistance", "Reduced", "WidenPanel",
    };

    private static readonly HashSet<string> BatchNorm = new(StringComparer.Ordinal)
    {
        "AffineRows", "Backward", "BackwardChannels", "BackwardCoefficients", "BackwardEval", "BackwardReduce",
        "BackwardSynchronized", "BatchMoments", "BatchSize", "Channels", "ChunkRows", "ComputeStatistics",
        "Epsilon", "EpsilonValue", "EvalCoefficients", "Forward", "ForwardEval", "ForwardSynchronized",
        "ForwardTraining", "GradientSumBlocks", "GradientSumChannels", "GradientSums", "InputGradient",
        "InputGradientRows", "InputGradientStreaming", "Merge", "Moments", "MomentsChannels", "Momentum",
        "Normalize", "NormalizeStreaming", "RequireMoreThanOneValue", "RequireSynchronizedCount", "RunBackward",
        "RunsBefore", "SampleLength", "ScaleGradient", "SegmentLength", "Spatial", "StatisticsBlocks",
        "StreamingBytes", "TrainingChannels", "TrainingCoefficients",
    };

    private static readonly HashSet<string> GroupNorm = new(StringComparer.Ordinal)
    {
        "Activate", "ActivationGradientBlocks", "ActivationGradientCore", "AffineRun", "Backward", "BackwardCore",
        "BackwardUnits", "BatchSize", "BlockCount", "BlockLength", "BlockSize", "BlockStatistics", "Blocks",
        "Channels", "ChannelsPerGroup", "CoefficientLength", "Epsilon", "FoldToChannels", "FoldToGroups",
        "Forward", "ForwardCore", "ForwardEval", "ForwardTraining", "ForwardUnits", "GradientCoefficients",
        "GradientInputBlocks", "GradientInputRange", "GradientInputRun", "GradientSumBlocks", "GradientSums",
        "GradientSumsRun", "GroupLength", "Groups", "LastBlockCount", "MergeStatistics", "Moments", "Momentum",
        "MulAdd", "NormalizeBlocks", "NormalizeCore", "NormalizeRange", "Period", "PeriodicAffine",
        "PeriodicDeviations", "PeriodicGradientInput", "PeriodicGradientSums", "PeriodicSums", "SampleLength",
        "Spatial", "SplitsBlocks", "SpreadGroups", "StatisticsBlocks", "StreamingBytes", "UnitChannels", "UnitGroups", "UnitLength",
        "UnitsPerSample", "UpdateRunningStatistics", "WorkLength",
    };

    /// <summary>Whether the kernel emitted for <paramref name="norm"/> declares (or may declare) a member called <paramref name="name"/>.</summary>
    public static bool Contains(NormSpec norm, string name) =>
        Of(norm).Contains(name) || Array.Exists(WidthSuffixes, suffix => name.EndsWith(suffix, StringComparison.Ordinal));

    /// <summary>The names of the emitter that writes <paramref name="norm"/>'s kernel (the same choice as the model emitter's).</summary>
    private static HashSet<string> Of(NormSpec norm) => (norm.Kind, norm.Geometry.Kind) switch
    {
        (NormKind.LayerNorm or NormKind.RmsNorm, GeometryKind.Rows) => Rows,
        (NormKind.LayerNorm or NormKind.RmsNorm, _) => Columns,
        (NormKind.BatchNorm, _) => BatchNorm,
        _ => GroupNorm,
    };
}
