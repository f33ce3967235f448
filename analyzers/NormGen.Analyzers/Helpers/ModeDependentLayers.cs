using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
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
}

/// <summary>
/// Finds out whether a module (a local, field or property holding one) contains BatchNorm, Dropout
/// or InstanceNorm with running statistics: from the module types of its fields, from the factory
/// calls that build it (<c>nn.Sequential(nn.Conv2d(...), nn.BatchNorm2d(...))</c>), and from the
/// source of its own module class. One instance per compilation caches the answer per type.
/// </summary>
internal sealed class ModeDependentLayers(TorchSharpSymbols torch, Compilation compilation)
{
    private static readonly string[] DropoutFactories = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"];

    private readonly ConcurrentDictionary<ITypeSymbol, ModeDependentLayer> _byType = new(SymbolEqualityComparer.Default);

    private readonly INamedTypeSymbol? _dropout = compilation.GetTypeByMetadataName("TorchSharp.Modules.Dropout");

    /// <summary>What the module held by <paramref name="symbol"/> contains, as far as the code shows.</summary>
    public ModeDependentLayer Of(ISymbol symbol, SemanticModel semanticModel)
    {
        ITypeSymbol? type = symbol switch
        {
            ILocalSymbol local => local.Type,
            IFieldSymbol field => field.Type,
            IPropertySymbol property => property.Type,
            IParameterSymbol parameter => parameter.Type,
            _ => null,
        };

        ModeDependentLayer found = type is null ? ModeDependentLayer.None : OfType(type, depth: 0);

        // How the module was built: the initializer of a local or field, written in this file.
        foreach (SyntaxReference reference in symbol.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is VariableDeclaratorSyntax { Initializer.Value: { } initializer })
            {
                found |= Scan(initializer, initializer.SyntaxTree == semanticModel.SyntaxTree ? semanticModel : SemanticModelFor(initializer), depth: 0);
            }
        }

        return found;
    }

    private ModeDependentLayer OfType(ITypeSymbol type, int depth)
    {
        if (type.DerivesFrom(torch.BatchNorm))
        {
            return ModeDependentLayer.BatchNorm;
        }

        if (type.DerivesFrom(_dropout) || IsDropoutType(type))
        {
            return ModeDependentLayer.Dropout;
        }

        // Only modules declared in source can be looked into; TorchSharp's containers say nothing by type.
        if (depth > 6 || !torch.IsModule(type) || type.Locations.Length == 0 || !type.Locations[0].IsInSource)
        {
            return ModeDependentLayer.None;
        }

        return _byType.GetOrAdd(type, t => ComputeForSourceType((INamedTypeSymbol)t, depth));
    }

    private ModeDependentLayer ComputeForSourceType(INamedTypeSymbol type, int depth)
    {
        ModeDependentLayer found = ModeDependentLayer.None;
        for (INamedTypeSymbol? current = type; current is not null && current.Locations.Length > 0 && current.Locations[0].IsInSource; current = current.BaseType)
        {
            foreach (ISymbol member in current.GetMembers())
            {
                if (member is IFieldSymbol { IsStatic: false } field && !SymbolEqualityComparer.Default.Equals(field.Type, type))
                {
                    found |= OfType(field.Type, depth + 1);
                }
            }

            // The factory calls in the class body (field initializers, constructors).
            foreach (SyntaxReference reference in current.DeclaringSyntaxReferences)
            {
                SyntaxNode syntax = reference.GetSyntax();
                found |= Scan(syntax, SemanticModelFor(syntax), depth + 1);
            }
        }

        return found;
    }

    /// <summary>Semantic information is only at hand for the file being analyzed; other files are read by name.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("MicrosoftCodeAnalysisCorrectness", "RS1030", Justification = "Declarations of a module in another file, once per type per compilation (cached).")]
    private SemanticModel? SemanticModelFor(SyntaxNode syntax) =>
        compilation.ContainsSyntaxTree(syntax.SyntaxTree) ? compilation.GetSemanticModel(syntax.SyntaxTree) : null;

    private ModeDependentLayer Scan(SyntaxNode root, SemanticModel? semanticModel, int depth)
    {
        ModeDependentLayer found = ModeDependentLayer.None;
        foreach (SyntaxNode node in root.DescendantNodesAndSelf())
        {
            switch (node)
            {
                case InvocationExpressionSyntax invocation when semanticModel is not null:
                    if (semanticModel.GetOperation(invocation) is IInvocationOperation operation)
                    {
                        found |= OfFactory(operation);
                    }

                    break;

                case BaseObjectCreationExpressionSyntax creation when semanticModel is not null:
                    if (semanticModel.GetTypeInfo(creation).Type is { } created)
                    {
                        found |= OfType(created, depth + 1);
                    }

                    break;
            }
        }

        return found;
    }

    private ModeDependentLayer OfFactory(IInvocationOperation invocation)
    {
        IMethodSymbol method = invocation.TargetMethod;
        if (!SymbolEqualityComparer.Default.Equals(method.ContainingType, torch.Nn))
        {
            return ModeDependentLayer.None;
        }

        if (torch.IsBatchNormFactory(method))
        {
            return ModeDependentLayer.BatchNorm;
        }

        if (Array.IndexOf(DropoutFactories, method.Name) >= 0)
        {
            return ModeDependentLayer.Dropout;
        }

        if (torch.IsInstanceNormFactory(method) && invocation.ExplicitArgument("track_running_stats")?.Value.ConstantBoolean() == true)
        {
            return ModeDependentLayer.InstanceNormWithRunningStats;
        }

        return ModeDependentLayer.None;
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
