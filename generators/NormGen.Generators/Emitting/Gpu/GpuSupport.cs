using NormGen.Generators.Model;

namespace NormGen.Generators.Emitting.Gpu;

/// <summary>Which norms have ILGPU kernels; the others get CPU kernels only.</summary>
internal static class GpuSupport
{
    /// <summary>The metadata name whose presence in a compilation means it references ILGPU.</summary>
    public const string AcceleratorMetadataName = "ILGPU.Runtime.Accelerator";

    /// <summary>
    /// LayerNorm and RMSNorm over trailing axes (contiguous rows) with the residual and input-bias fusions and ReLU,
    /// and over interior axes (channels-first) without an activation; BatchNorm, GroupNorm, and InstanceNorm without
    /// running statistics, with ReLU or no activation; in float, double and Half.
    /// </summary>
    public static bool IsSupported(NormSpec norm) => norm switch
    {
        // SiLU and the GELUs need exp or erf, which ILGPU's PTX backend lacks without ILGPU.Algorithms.
        { Kind: NormKind.LayerNorm or NormKind.RmsNorm, Geometry.Kind: GeometryKind.Rows } => norm.Activation is ActivationKind.None or ActivationKind.Relu,
        { Kind: NormKind.LayerNorm or NormKind.RmsNorm, Geometry.Kind: GeometryKind.Columns } => norm.Activation == ActivationKind.None,
        { Activation: not (ActivationKind.None or ActivationKind.Relu) } => false,
        { Kind: NormKind.BatchNorm } => true,
        { Kind: NormKind.GroupNorm } => true,
        { Kind: NormKind.InstanceNorm, TrackRunningStats: false } => true,
        _ => false,
    };

    /// <summary>Writes the fused ReLU (the one activation the GPU kernels support) and its derivative, in <paramref name="accumulator"/>.</summary>
    public static void WriteRelu(Helpers.CodeWriter writer, string accumulator)
    {
        string isNaN = accumulator == "double" ? "global::System.Double.IsNaN" : "global::System.Single.IsNaN";
        writer.Line("/// <summary>The ReLU after the affine step; NaN stays NaN, as <c>torch.relu</c>.</summary>");
        writer.Line($"private static {accumulator} Activate({accumulator} z) => z > 0 || {isNaN}(z) ? z : 0;");
        writer.Line();
        writer.Line("/// <summary><paramref name=\"gradient\"/> where the ReLU passed its input (a NaN input passes it too, as PyTorch's), else zero.</summary>");
        writer.Line($"private static {accumulator} ActivateBackward({accumulator} z, {accumulator} gradient) => z > 0 || {isNaN}(z) ? gradient : 0;");
    }

    /// <summary>The name of the GPU kernel type emitted beside the CPU kernel type of <paramref name="norm"/>.</summary>
    public static string TypeName(NormSpec norm) => norm.KernelName + "Gpu";
}
