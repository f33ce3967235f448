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
    /// <summary>Suffixes of the per-width routines: one routine per SIMD width and a scalar one.</summary>
    private static readonly string[] WidthSuffixes = ["Scalar", "Vector128", "Vector256", "Vector512"];

    private static readonly Names Rows = new(
        members:
        [
            "Activate", "ActivateBackward", "Backward", "BackwardBlocks", "Epsilon", "Forward", "ForwardRows",
            "NormalizedShape", "Row", "RowCount", "RowLength",
        ],
        routines: ["BackwardRow", "ForwardRow", "NormalizeRow"]);

    private static readonly Names Columns = new(
        members:
        [
            "AccumulatorLanes", "Backward", "BackwardPanel", "BackwardPanels", "ColumnCount", "Epsilon", "FoldLanes",
            "Forward", "ForwardPanel", "ForwardPanels", "Inner", "NarrowPanel", "NormalizePanel", "NormalizedShape",
            "OuterCount", "PanelWidth", "PanelsPerOuter", "PrefetchDistance", "Reduced", "WidenPanel",
        ],
        routines:
        [
            "BackwardColumn", "BackwardColumns", "ColumnStatistics", "NormalizeColumn", "NormalizeColumns",
        ]);

    private static readonly Names BatchNorm = new(
        members:
        [
            "AffineRows", "Backward", "BackwardChannels", "BackwardCoefficients", "BackwardEval", "BackwardReduce",
            "BackwardSynchronized", "BatchMoments", "BatchSize", "Channels", "ChunkRows", "ComputeStatistics",
            "Epsilon", "EpsilonValue", "EvalCoefficients", "Forward", "ForwardEval", "ForwardSynchronized",
            "ForwardTraining", "GradientSumBlocks", "InputGradientRows", "Merge", "Momentum",
            "RequireMoreThanOneValue", "RequireSynchronizedCount", "RunBackward", "SampleLength", "SegmentLength",
            "Spatial", "StatisticsBlocks", "TrainingChannels", "TrainingCoefficients",
        ],
        routines: ["GradientSums", "InputGradient", "Moments", "Normalize", "ScaleGradient"]);

    private static readonly Names GroupNorm = new(
        members:
        [
            "Activate", "ActivationGradientBlocks", "ActivationGradientCore", "Backward", "BackwardCore",
            "BackwardUnits", "BatchSize", "BlockCount", "BlockLength", "BlockSize", "BlockStatistics", "Blocks",
            "Channels", "ChannelsPerGroup", "CoefficientLength", "Epsilon", "FoldToChannels", "FoldToGroups",
            "Forward", "ForwardCore", "ForwardEval", "ForwardTraining", "ForwardUnits", "GradientCoefficients",
            "GradientInputRange", "GroupLength", "Groups", "LastBlockCount", "MergeStatistics", "Momentum",
            "NormalizeBlocks", "NormalizeCore", "NormalizeRange", "Period", "SampleLength", "Spatial",
            "SpreadGroups", "UnitChannels", "UnitGroups", "UnitLength", "UnitsPerSample",
            "UpdateRunningStatistics", "WorkLength",
        ],
        routines:
        [
            "AffineRun", "GradientInputRun", "GradientSums", "GradientSumsRun", "Moments", "PeriodicAffine",
            "PeriodicDeviations", "PeriodicGradientInput", "PeriodicGradientSums", "PeriodicSums",
        ]);

    /// <summary>Whether the kernel emitted for <paramref name="norm"/> declares a member called <paramref name="name"/>.</summary>
    public static bool Contains(NormSpec norm, string name) => Of(norm).Contains(name);

    /// <summary>The names of the emitter that writes <paramref name="norm"/>'s kernel (the same choice as the model emitter's).</summary>
    private static Names Of(NormSpec norm) => (norm.Kind, norm.Geometry.Kind) switch
    {
        (NormKind.LayerNorm or NormKind.RmsNorm, GeometryKind.Rows) => Rows,
        (NormKind.LayerNorm or NormKind.RmsNorm, _) => Columns,
        (NormKind.BatchNorm, _) => BatchNorm,
        _ => GroupNorm,
    };

    /// <summary>Plain member names, and routines that also come in one variant per width suffix.</summary>
    private sealed class Names
    {
        private readonly HashSet<string> _names = new(StringComparer.Ordinal);

        public Names(string[] members, string[] routines)
        {
            _names.UnionWith(members);
            foreach (string routine in routines)
            {
                _names.Add(routine);
                foreach (string suffix in WidthSuffixes)
                {
                    _names.Add(routine + suffix);
                }
            }
        }

        public bool Contains(string name) => _names.Contains(name);
    }
}
