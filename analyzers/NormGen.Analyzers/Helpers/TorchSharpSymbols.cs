using Microsoft.CodeAnalysis;

namespace NormGen.Analyzers.Helpers;

/// <summary>
/// The TorchSharp types the rules look at, resolved once per compilation. <see cref="TryCreate"/>
/// returns null when the compilation does not reference TorchSharp, and every rule then stays idle.
/// </summary>
internal sealed class TorchSharpSymbols
{
    private TorchSharpSymbols(Compilation compilation, INamedTypeSymbol torch, INamedTypeSymbol nn)
    {
        Torch = torch;
        Nn = nn;
        Init = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+init");
        Tensor = compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
        Module = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+Module");
        Optimizer = compilation.GetTypeByMetadataName("TorchSharp.torch+optim+Optimizer");
        Optim = compilation.GetTypeByMetadataName("TorchSharp.torch+optim");
        NormBase = compilation.GetTypeByMetadataName("TorchSharp.Modules.NormBase");
        BatchNorm = compilation.GetTypeByMetadataName("TorchSharp.Modules.BatchNorm");
        InstanceNorm = compilation.GetTypeByMetadataName("TorchSharp.Modules.InstanceNorm");
        GroupNorm = compilation.GetTypeByMetadataName("TorchSharp.Modules.GroupNorm");
        LayerNorm = compilation.GetTypeByMetadataName("TorchSharp.Modules.LayerNorm");
        Sequential = compilation.GetTypeByMetadataName("TorchSharp.Modules.Sequential");
    }

    public INamedTypeSymbol Torch { get; }

    /// <summary><c>torch.nn</c>: the module factories (<c>nn.BatchNorm2d(64)</c>).</summary>
    public INamedTypeSymbol Nn { get; }

    public INamedTypeSymbol? Init { get; }

    public INamedTypeSymbol? Tensor { get; }

    public INamedTypeSymbol? Module { get; }

    public INamedTypeSymbol? Optimizer { get; }

    /// <summary><c>torch.optim</c>: the optimizer factories (<c>optim.AdamW(...)</c>).</summary>
    public INamedTypeSymbol? Optim { get; }

    /// <summary>The base of BatchNorm* and InstanceNorm* modules (running statistics, weight, bias).</summary>
    public INamedTypeSymbol? NormBase { get; }

    public INamedTypeSymbol? BatchNorm { get; }

    public INamedTypeSymbol? InstanceNorm { get; }

    public INamedTypeSymbol? GroupNorm { get; }

    public INamedTypeSymbol? LayerNorm { get; }

    public INamedTypeSymbol? Sequential { get; }

    public static TorchSharpSymbols? TryCreate(Compilation compilation)
    {
        // Without TorchSharp there is no TorchSharp code to look at.
        if (compilation.GetTypeByMetadataName("TorchSharp.torch") is not { } torch ||
            compilation.GetTypeByMetadataName("TorchSharp.torch+nn") is not { } nn)
        {
            return null;
        }

        return new TorchSharpSymbols(compilation, torch, nn);
    }

    /// <summary>Whether <paramref name="method"/> is the factory <c>torch.nn.<paramref name="name"/></c>.</summary>
    public bool IsNnFactory(IMethodSymbol method, string name) =>
        method.Name == name && SymbolEqualityComparer.Default.Equals(method.ContainingType, Nn);

    /// <summary>Whether <paramref name="method"/> is a <c>torch.nn</c> factory whose name starts with <paramref name="prefix"/>.</summary>
    public bool IsNnFactoryFamily(IMethodSymbol method, string prefix) =>
        method.Name.StartsWith(prefix, System.StringComparison.Ordinal) &&
        SymbolEqualityComparer.Default.Equals(method.ContainingType, Nn);

    /// <summary>The BatchNorm factories: <c>BatchNorm1d</c>, <c>BatchNorm2d</c>, <c>BatchNorm3d</c>.</summary>
    public bool IsBatchNormFactory(IMethodSymbol method) => IsNnFactoryFamily(method, "BatchNorm");

    public bool IsInstanceNormFactory(IMethodSymbol method) => IsNnFactoryFamily(method, "InstanceNorm");

    /// <summary>Whether the type is a module whose gain is a norm's γ: BatchNorm, InstanceNorm, GroupNorm, LayerNorm.</summary>
    public bool IsNormModule(ITypeSymbol? type) =>
        type.DerivesFrom(NormBase) || type.DerivesFrom(GroupNorm) || type.DerivesFrom(LayerNorm);

    /// <summary>Whether the type is a TorchSharp module (anything derived from <c>torch.nn.Module</c>).</summary>
    public bool IsModule(ITypeSymbol? type) => type.DerivesFrom(Module);
}
