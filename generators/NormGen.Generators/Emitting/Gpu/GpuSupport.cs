using NormGen.Generators.Model;

namespace NormGen.Generators.Emitting.Gpu;

/// <summary>Which norms have ILGPU kernels; the others get CPU kernels only.</summary>
internal static class GpuSupport
{
    /// <summary>The metadata name whose presence in a compilation means it references ILGPU.</summary>
    public const string AcceleratorMetadataName = "ILGPU.Runtime.Accelerator";

    /// <summary>
    /// LayerNorm and RMSNorm over trailing axes (contiguous rows) with the residual and input-bias fusions and ReLU,
    /// and over interior axes (channels-first) without an activation;
    /// BatchNorm, GroupNorm, and InstanceNorm without running statistics, without a fused activation; in float,
    /// double and Half.
    /// </summary>
    public static bool IsSupported(NormSpec norm) => norm switch
    {
        // SiLU and the GELUs need exp or erf, which ILGPU's PTX backend lacks without ILGPU.Algorithms.
        { Kind: NormKind.LayerNorm or NormKind.RmsNorm, Geometry.Kind: GeometryKind.Rows } => norm.Activation is ActivationKind.None or ActivationKind.Relu,
        { Kind: NormKind.LayerNorm or NormKind.RmsNorm, Geometry.Kind: GeometryKind.Columns } => norm.Activation == ActivationKind.None,
        { Activation: not ActivationKind.None } => false,
        { Kind: NormKind.BatchNorm } => true,
        { Kind: NormKind.GroupNorm } => true,
        { Kind: NormKind.InstanceNorm, TrackRunningStats: false } => true,
        _ => false,
    };

    /// <summary>The name of the GPU kernel type emitted beside the CPU kernel type of <paramref name="norm"/>.</summary>
    public static string TypeName(NormSpec norm) => norm.KernelName + "Gpu";
}
