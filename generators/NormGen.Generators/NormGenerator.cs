using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NormGen.Generators.Emitting;
using NormGen.Generators.Model;
using NormGen.Generators.Parsing;

namespace NormGen.Generators;

/// <summary>
/// Emits shape-specialized normalization kernels for the norm attributes on partial model types:
/// attributes → <see cref="ModelParser"/> → <see cref="ModelSpec"/> → <see cref="ModelEmitter"/>.
/// Malformed attributes are reported by <see cref="Diagnostics.NormAttributeAnalyzer"/>, which runs
/// the same parser; here they are simply left out.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class NormGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Kernels pin spans with `fixed`; without unsafe code they would not compile (NG0014 says so).
        IncrementalValueProvider<bool> allowsUnsafe = context.CompilationProvider
            .Select(static (compilation, _) => compilation.Options is CSharpCompilationOptions { AllowUnsafe: true })
            .WithTrackingName(TrackingNames.AllowsUnsafe);
        IncrementalValueProvider<bool> referencesIlgpu = RegisterGpuRuntime(context);
        IncrementalValueProvider<bool> referencesTorchSharp = RegisterTorchSharpSupport(context, allowsUnsafe);

        RegisterModels(context, KnownNames.LayerNormAttribute, TrackingNames.LayerNormModels, allowsUnsafe, referencesTorchSharp, referencesIlgpu);
        RegisterModels(context, KnownNames.RmsNormAttribute, TrackingNames.RmsNormModels, allowsUnsafe, referencesTorchSharp, referencesIlgpu);
        RegisterModels(context, KnownNames.BatchNormAttribute, TrackingNames.BatchNormModels, allowsUnsafe, referencesTorchSharp, referencesIlgpu);
        RegisterModels(context, KnownNames.GroupNormAttribute, TrackingNames.GroupNormModels, allowsUnsafe, referencesTorchSharp, referencesIlgpu);
        RegisterModels(context, KnownNames.InstanceNormAttribute, TrackingNames.InstanceNormModels, allowsUnsafe, referencesTorchSharp, referencesIlgpu);
    }

    private static void RegisterModels(
        IncrementalGeneratorInitializationContext context,
        string attributeMetadataName,
        string trackingName,
        IncrementalValueProvider<bool> allowsUnsafe,
        IncrementalValueProvider<bool> referencesTorchSharp,
        IncrementalValueProvider<bool> referencesIlgpu)
    {
        IncrementalValuesProvider<ModelSpec> models = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                attributeMetadataName,
                predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax,
                transform: (attributeContext, cancellationToken) => ParseModel(attributeContext, attributeMetadataName, cancellationToken))
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(trackingName);

        context.RegisterSourceOutput(models.Combine(allowsUnsafe.Combine(referencesTorchSharp)), static (output, input) =>
        {
            (ModelSpec model, (bool unsafeAllowed, bool torchSharp)) = input;
            if (unsafeAllowed && model.Norms.Length > 0)
            {
                output.AddSource(model.HintName, ModelEmitter.Emit(model));
                if (torchSharp && model.Norms.Any(norm => TorchModuleEmitter.HasModule(model, norm)))
                {
                    output.AddSource(TorchModuleEmitter.HintNameOf(model), TorchModuleEmitter.Emit(model));
                }
            }
        });

        RegisterGpuModels(context, models, allowsUnsafe, referencesIlgpu);
    }

    private static ModelSpec? ParseModel(GeneratorAttributeSyntaxContext context, string attributeMetadataName, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type)
        {
            // Norm attributes only apply to classes and structs.
            return null;
        }

        var norms = ModelParser.NormAttributesOf(type);
        if (norms.Count == 0)
        {
            // The matched attribute did not bind (half-typed code); the compiler reports it.
            return null;
        }

        // A type with several kinds of norms, or attributes spread over partial declarations, is
        // matched more than once. Emit it once: from its first norm attribute's kind and declaration.
        AttributeData first = norms[0];
        if (first.AttributeClass?.ToDisplayString() != attributeMetadataName
            || first.ApplicationSyntaxReference is not { } reference
            || reference.SyntaxTree != context.TargetNode.SyntaxTree
            || !context.TargetNode.Span.Contains(reference.Span))
        {
            return null;
        }

        return ModelParser.Parse(type, diagnostics: null, cancellationToken);
    }
}
