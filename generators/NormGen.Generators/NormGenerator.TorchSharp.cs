using Microsoft.CodeAnalysis;
using NormGen.Generators.Emitting;
using NormGen.Generators.Parsing;

namespace NormGen.Generators;

/// <summary>The TorchSharp outputs: emitted only into compilations that reference TorchSharp.</summary>
public sealed partial class NormGenerator
{
    /// <summary>
    /// Emits the modules' shared support file once when the compilation references TorchSharp, and returns whether
    /// it does; the lookup runs once per compilation. Each model's modules come from its kernels' output step.
    /// </summary>
    private static IncrementalValueProvider<bool> RegisterTorchSharpSupport(
        IncrementalGeneratorInitializationContext context,
        IncrementalValueProvider<bool> allowsUnsafe)
    {
        IncrementalValueProvider<bool> referencesTorchSharp = context.CompilationProvider
            .Select(static (compilation, _) => compilation.GetTypeByMetadataName(KnownNames.TorchSharpTorch) is not null)
            .WithTrackingName(TrackingNames.ReferencesTorchSharp);
        context.RegisterSourceOutput(referencesTorchSharp.Combine(allowsUnsafe), static (output, input) =>
        {
            if (input.Left && input.Right)
            {
                output.AddSource(TorchSupportEmitter.HintName, TorchSupportEmitter.Emit());
            }
        });

        return referencesTorchSharp;
    }
}
