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

        context.RegisterSourceOutput(referencesIlgpu, static (output, references) =>
        {
            if (references)
            {
                output.AddSource(GpuRuntimeEmitter.HintName, GpuRuntimeEmitter.Emit());
            }
        });

        return referencesIlgpu;
    }

    private static void RegisterGpuModels(
        IncrementalGeneratorInitializationContext context,
        IncrementalValuesProvider<ModelSpec> models,
        IncrementalValueProvider<bool> allowsUnsafe,
        IncrementalValueProvider<bool> referencesIlgpu)
    {
        context.RegisterSourceOutput(models.Combine(allowsUnsafe).Combine(referencesIlgpu), static (output, input) =>
        {
            ((ModelSpec model, bool unsafeAllowed), bool references) = input;
            if (references && unsafeAllowed && GpuModelEmitter.SupportedNorms(model).Any())
            {
                output.AddSource(GpuModelEmitter.HintName(model), GpuModelEmitter.Emit(model));
            }
        });
    }
}
