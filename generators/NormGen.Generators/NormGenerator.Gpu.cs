using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using NormGen.Generators.Emitting.Gpu;
using NormGen.Generators.Model;

namespace NormGen.Generators;

/// <summary>The ILGPU outputs: emitted only into compilations that reference ILGPU, so no one else pulls it in.</summary>
public sealed partial class NormGenerator
{
    /// <summary>Emits the GPU runtime once when the compilation references ILGPU, and returns whether it does.</summary>
    private static IncrementalValueProvider<bool> RegisterGpuRuntime(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValueProvider<bool> referencesIlgpu = context.CompilationProvider
            .Select(static (compilation, _) => compilation.GetTypeByMetadataName(GpuSupport.AcceleratorMetadataName) is not null)
            .WithTrackingName(TrackingNames.ReferencesIlgpu);

        // One item when ILGPU is referenced, none otherwise: a compilation without ILGPU has no GPU output steps at all.
        IncrementalValuesProvider<bool> ilgpuRuntime = referencesIlgpu
            .SelectMany(static (references, _) => references ? ImmutableArray.Create(true) : ImmutableArray<bool>.Empty);
        context.RegisterSourceOutput(ilgpuRuntime, static (output, _) => output.AddSource(GpuRuntimeEmitter.HintName, GpuRuntimeEmitter.Emit()));

        return referencesIlgpu;
    }

    private static void RegisterGpuModels(
        IncrementalGeneratorInitializationContext context,
        IncrementalValuesProvider<ModelSpec> models,
        IncrementalValueProvider<bool> allowsUnsafe,
        IncrementalValueProvider<bool> referencesIlgpu)
    {
        IncrementalValuesProvider<ModelSpec> gpuModels = models
            .Combine(referencesIlgpu)
            .Where(static pair => pair.Right)
            .Select(static (pair, _) => pair.Left);

        context.RegisterSourceOutput(gpuModels.Combine(allowsUnsafe), static (output, input) =>
        {
            (ModelSpec model, bool unsafeAllowed) = input;
            if (unsafeAllowed && GpuModelEmitter.SupportedNorms(model).Any())
            {
                output.AddSource(GpuModelEmitter.HintName(model), GpuModelEmitter.Emit(model));
            }
        });
    }
}
