namespace NormGen.Generators;

/// <summary>Names of the incremental pipeline's steps, so tests can check what stayed cached.</summary>
internal static class TrackingNames
{
    public const string LayerNormModels = nameof(LayerNormModels);
    public const string RmsNormModels = nameof(RmsNormModels);
    public const string BatchNormModels = nameof(BatchNormModels);
    public const string GroupNormModels = nameof(GroupNormModels);
    public const string InstanceNormModels = nameof(InstanceNormModels);
    public const string AllowsUnsafe = nameof(AllowsUnsafe);
    public const string ReferencesTorchSharp = nameof(ReferencesTorchSharp);
    public const string ReferencesIlgpu = nameof(ReferencesIlgpu);
}
