using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace NormGen.Analyzers.Helpers;

/// <summary>Layers that behave differently in training and evaluation mode.</summary>
[Flags]
internal enum ModeDependentLayer
{
    None = 0,
    BatchNorm = 1,
    Dropout = 2,
    InstanceNormWithRunningStats = 4,

    /// <summary>Any normalization layer (BatchNorm and InstanceNorm set it too); not mode-dependent by itself.</summary>
    Norm = 8,

    /// <summary>The layers whose behaviour depends on the mode.</summary>
    ModeDependent = BatchNorm | Dropout | InstanceNormWithRunningStats,
}

/// <summary>
/// Finds out whether a module (a local, field or property holding one) contains BatchNorm, Dropout,
/// InstanceNorm with running statistics or any other norm, and where its BatchNorm factory calls
/// are: from the module types of its fields, from the factory calls that build it
/// (<c>nn.Sequential(nn.Conv2d(...), nn.BatchNorm2d(...))</c>), and from the source of its own
/// module class. One instance per compilation caches the answer per type.
/// </summary>
internal sealed class ModeDependentLayers(TorchSharpSymbols torch, Compilation compilation)
{
    private static readonly string[] DropoutFactories = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"];

    private static readonly string[] OtherNormFactories = ["LayerNorm", "GroupNorm"];

    private readonly ConcurrentDictionary<ITypeSymbol, Contents> _byType = new(SymbolEqualityComparer.Default);

    private readonly INamedTypeSymbol? _dropout = compilation.GetTypeByMetadataName("TorchSharp.Modules.Dropout");

    /// <summary>The layers a module contains and the BatchNorm factory calls that build them.</summary>
    public readonly struct Contents(ModeDependentLayer layers, ImmutableArray<IInvocationOperation> batchNorms)
    {
        public static Contents None { get; } = new(ModeDependentLayer.None, ImmutableArray<IInvocationOperation>.Empty);

        public ModeDependentLayer Layers { get; } = layers;

        /// <summary>The <c>nn.BatchNorm1d/2d/3d(...)</c> calls found in the module's source.</summary>
        public ImmutableArray<IInvocationOperation> BatchNorms { get; } = batchNorms.IsDefault ? ImmutableArray<IInvocationOperation>.Empty : batchNorms;

        public Contents With(Contents other) =>
            other.Layers == ModeDependentLayer.None && other.BatchNorms.IsEmpty ? this : new(Layers | other.Layers, BatchNorms.AddRange(other.BatchNorms));

        public Contents With(ModeDependentLayer layers) => new(Layers | layers, BatchNorms);
    }

    /// <summary>What the module held by <paramref name="symbol"/> contains, as far as the code shows.</summary>
    public ModeDependentLayer Of(ISymbol symbol, SemanticModel semanticModel) => ContentsOf(symbol, semanticModel).Layers;

    /// <summary>What a module of type <paramref name="type"/> contains, as far as its declaration shows.</summary>
    public ModeDependentLayer OfModuleType(ITypeSymbol type) => OfType(type, depth: 0).Layers;

    /// <summary>What the module held by <paramref name="symbol"/> contains, with its BatchNorm factory calls.</summary>
    public Contents ContentsOf(ISymbol symbol, SemanticModel semanticModel)
    {
        ITypeSymbol? type = symbol switch
        {
            ILocalSymbol local => local.Type,
            IFieldSymbol field => field.Type,
            IPropertySymbol property => property.Type,
            IParameterSymbol parameter => parameter.Type,
            _ => null,
        };

        Contents found = type is null ? Contents.None : OfType(type, depth: 0);

        // How the module was built: the initializer of a local or field, written in this file.
        foreach (SyntaxReference reference in symbol.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is VariableDeclaratorSyntax { Initializer.Value: { } initializer })
            {
                found = found.With(Scan(initializer, initializer.SyntaxTree == semanticModel.SyntaxTree ? semanticModel : SemanticModelFor(initializer), depth: 0));
            }
        }

        return found;
    }

    private Contents OfType(ITypeSymbol type, int depth)
    {
        if (type.DerivesFrom(torch.BatchNorm))
        {
            return new(ModeDependentLayer.BatchNorm | ModeDependentLayer.Norm, ImmutableArray<IInvocationOperation>.Empty);
        }

        if (torch.IsNormModule(type))
        {
            return new(ModeDependentLayer.Norm, ImmutableArray<IInvocationOperation>.Empty);
        }

        if (type.DerivesFrom(_dropout) || IsDropoutType(type))
        {
            return new(ModeDependentLayer.Dropout, ImmutableArray<IInvocationOperation>.Empty);
        }

        // Only modules declared in source can be looked into; TorchSharp's containers say nothing by type.
        if (depth > 6 || !torch.IsModule(type) || type.Locations.Length == 0 || !type.Locations[0].IsInSource)
        {
            return Contents.None;
        }

        return _byType.GetOrAdd(type, t => ComputeForSourceType((INamedTypeSymbol)t, depth));
    }

    private Contents ComputeForSourceType(INamedTypeSymbol type, int depth)
    {
        Contents found = Contents.None;
        for (INamedTypeSymbol? current = type; current is not null && current.Locations.Length > 0 && current.Locations[0].IsInSource; current = current.BaseType)
        {
            foreach (ISymbol member in current.GetMembers())
            {
                if (member is IFieldSymbol { IsStatic: false } field && !SymbolEqualityComparer.Default.Equals(field.Type, type))
                {
                    // Field types say which layers there are; the factory calls come from the scan below.
                    found = found.With(OfType(field.Type, depth + 1).Layers);
                }
            }

            // The factory calls in the class body (field initializers, constructors).
            foreach (SyntaxReference reference in current.DeclaringSyntaxReferences)
            {
                SyntaxNode syntax = reference.GetSyntax();
                found = found.With(Scan(syntax, SemanticModelFor(syntax), depth + 1));
            }
        }

        return found;
    }

    /// <summary>Semantic information is only at hand for the file being analyzed; other files are read by name.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("MicrosoftCodeAnalysisCorrectness", "RS1030", Justification = "Declarations of a module in another file, once per type per compilation (cached).")]
    private SemanticModel? SemanticModelFor(SyntaxNode syntax) =>
        compilation.ContainsSyntaxTree(syntax.SyntaxTree) ? compilation.GetSemanticModel(syntax.SyntaxTree) : null;

    private Contents Scan(SyntaxNode root, SemanticModel? semanticModel, int depth)
    {
        Contents found = Contents.None;
        foreach (SyntaxNode node in root.DescendantNodesAndSelf())
        {
            switch (node)
            {
                case InvocationExpressionSyntax invocation when semanticModel is not null:
                    if (semanticModel.GetOperation(invocation) is IInvocationOperation operation)
                    {
                        found = found.With(OfFactory(operation));
                    }

                    break;

                case BaseObjectCreationExpressionSyntax creation when semanticModel is not null:
                    if (semanticModel.GetTypeInfo(creation).Type is { } created)
                    {
                        found = found.With(OfType(created, depth + 1));
                    }

                    break;
            }
        }

        return found;
    }

    private Contents OfFactory(IInvocationOperation invocation)
    {
        IMethodSymbol method = invocation.TargetMethod;
        if (!SymbolEqualityComparer.Default.Equals(method.ContainingType, torch.Nn))
        {
            return Contents.None;
        }

        if (torch.IsBatchNormFactory(method))
        {
            return new(ModeDependentLayer.BatchNorm | ModeDependentLayer.Norm, ImmutableArray.Create(invocation));
        }

        if (Array.IndexOf(DropoutFactories, method.Name) >= 0)
        {
            return new(ModeDependentLayer.Dropout, ImmutableArray<IInvocationOperation>.Empty);
        }

        if (torch.IsInstanceNormFactory(method))
        {
            return new(
                invocation.ExplicitArgument("track_running_stats")?.Value.ConstantBoolean() == true
                    ? ModeDependentLayer.InstanceNormWithRunningStats | ModeDependentLayer.Norm
                    : ModeDependentLayer.Norm,
                ImmutableArray<IInvocationOperation>.Empty);
        }

        return Array.IndexOf(OtherNormFactories, method.Name) >= 0
            ? new(ModeDependentLayer.Norm, ImmutableArray<IInvocationOperation>.Empty)
            : Contents.None;
    }

    private static bool IsDropoutType(ITypeSymbol type) =>
        type.ContainingNamespace?.ToDisplayString() == "TorchSharp.Modules" &&
        Array.IndexOf(DropoutFactories, type.Name) >= 0;

    /// <summary>Words for a message: "BatchNorm and Dropout".</summary>
    public static string Describe(ModeDependentLayer layers)
    {
        var parts = new List<string>(3);
        if ((layers & ModeDependentLayer.BatchNorm) != 0)
        {
            parts.Add("BatchNorm");
        }

        if ((layers & ModeDependentLayer.InstanceNormWithRunningStats) != 0)
        {
            parts.Add("InstanceNorm with running statistics");
        }

        if ((layers & ModeDependentLayer.Dropout) != 0)
        {
            parts.Add("Dropout");
        }

        return string.Join(" and ", parts);
    }
}
