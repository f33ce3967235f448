using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Generators.Model;

namespace NormGen.Generators.Parsing;

/// <summary>
/// Typed, tolerant access to one norm attribute's arguments. Arguments the compiler could not bind
/// read as "not given", so half-typed code never throws here.
/// </summary>
internal readonly struct NormAttributeReader
{
    private readonly AttributeData _attribute;
    private readonly CancellationToken _cancellationToken;

    public NormAttributeReader(AttributeData attribute, INamedTypeSymbol modelType, CancellationToken cancellationToken)
    {
        _attribute = attribute;
        _cancellationToken = cancellationToken;
        ModelType = modelType;
    }

    public INamedTypeSymbol ModelType { get; }

    public NormKind? Kind => _attribute.AttributeClass switch
    {
        var c when KnownNames.Is(c, "LayerNormAttribute") => NormKind.LayerNorm,
        var c when KnownNames.Is(c, "RmsNormAttribute") => NormKind.RmsNorm,
        var c when KnownNames.Is(c, "BatchNormAttribute") => NormKind.BatchNorm,
        var c when KnownNames.Is(c, "GroupNormAttribute") => NormKind.GroupNorm,
        var c when KnownNames.Is(c, "InstanceNormAttribute") => NormKind.InstanceNorm,
        _ => null,
    };

    public string? Name =>
        _attribute.ConstructorArguments.Length >= 1 && _attribute.ConstructorArguments[0].Kind == TypedConstantKind.Primitive
            ? _attribute.ConstructorArguments[0].Value as string
            : null;

    /// <summary>GroupNorm's group count (its second constructor argument).</summary>
    public int? Groups =>
        _attribute.ConstructorArguments.Length == 2 && _attribute.ConstructorArguments[1].Value is int groups ? groups : null;

    public string? Axes => Named("Axes")?.Value as string;

    public string? Layout => Named("Layout")?.Value as string;

    public ITypeSymbol? ElementType => Named("ElementType") is { Kind: TypedConstantKind.Type } value ? value.Value as ITypeSymbol : null;

    public double? Epsilon => Named("Eps")?.Value is double value ? value : null;

    public bool ElementwiseAffine => Named("ElementwiseAffine")?.Value is not false;

    public bool Bias => Named("Bias")?.Value is not false;

    /// <summary>The channel norms' <c>Affine</c>, whose default differs by kind.</summary>
    public bool? Affine => Named("Affine")?.Value as bool?;

    public bool? TrackRunningStats => Named("TrackRunningStats")?.Value as bool?;

    public double? Momentum => Named("Momentum")?.Value is double value ? value : null;

    public bool CumulativeAverage => Named("CumulativeAverage")?.Value is true;

    public bool Residual => Named("Residual")?.Value is true;

    public bool InputBias => Named("InputBias")?.Value is true;

    /// <summary>The fused activation, as the runtime enum's value; unknown values read as <see cref="ActivationKind.None"/>.</summary>
    public ActivationKind Activation => Named("Activation")?.Value is int value && Enum.IsDefined(typeof(ActivationKind), value)
        ? (ActivationKind)value
        : ActivationKind.None;

    /// <summary>Whether Activation was given a value outside the enum.</summary>
    public bool HasUnknownActivation => Named("Activation")?.Value is int value && !Enum.IsDefined(typeof(ActivationKind), value);

    public string ChannelAxis => Named("ChannelAxis")?.Value as string ?? "C";

    /// <summary>The channel count as written, when given; an explicit zero is kept, so it can be reported.</summary>
    public int? Channels => Named("Channels")?.Value is int value ? value : null;

    public int[]? Shape =>
        Named("Shape") is { Kind: TypedConstantKind.Array, IsNull: false } array
            ? array.Values.Select(v => v.Value is int extent ? extent : 0).ToArray()
            : null;

    /// <summary>
    /// The location of the named argument (or of the name, for <see langword="null"/>), falling back
    /// to the whole attribute so every diagnostic points into the user's source.
    /// </summary>
    public Location Location(string? argumentName)
    {
        if (_attribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken) is not AttributeSyntax syntax)
        {
            return Microsoft.CodeAnalysis.Location.None;
        }

        foreach (AttributeArgumentSyntax argument in syntax.ArgumentList?.Arguments ?? default)
        {
            bool matches = argumentName is null
                ? argument.NameEquals is null && argument.NameColon is null or { Name.Identifier.Text: "name" }
                : argument.NameEquals?.Name.Identifier.Text == argumentName;
            if (matches)
            {
                return argument.GetLocation();
            }
        }

        return syntax.GetLocation();
    }

    /// <summary>
    /// The location of a constructor argument after the name (GroupNorm's <c>groups</c>): the argument
    /// at that position, or the one named <paramref name="parameterName"/>, falling back to the whole attribute.
    /// </summary>
    public Location ConstructorArgumentLocation(int position, string parameterName)
    {
        if (_attribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken) is not AttributeSyntax syntax)
        {
            return Microsoft.CodeAnalysis.Location.None;
        }

        int index = 0;
        foreach (AttributeArgumentSyntax argument in syntax.ArgumentList?.Arguments ?? default)
        {
            if (argument.NameEquals is not null)
            {
                continue;
            }

            if (argument.NameColon is { } nameColon
                ? nameColon.Name.Identifier.Text == parameterName
                : index == position)
            {
                return argument.GetLocation();
            }

            index++;
        }

        return syntax.GetLocation();
    }

    /// <summary>Whether the attribute sets the named argument (with a value the compiler could bind).</summary>
    public bool HasNamed(string name) => Named(name) is not null;

    private TypedConstant? Named(string name)
    {
        foreach (var pair in _attribute.NamedArguments)
        {
            if (pair.Key == name && pair.Value.Kind != TypedConstantKind.Error)
            {
                return pair.Value;
            }
        }

        return null;
    }
}
