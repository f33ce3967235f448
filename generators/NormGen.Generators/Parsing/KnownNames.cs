using Microsoft.CodeAnalysis;

namespace NormGen.Generators.Parsing;

/// <summary>Metadata names of the runtime's attributes, and how to recognise them on a symbol.</summary>
internal static class KnownNames
{
    public const string Namespace = "NormGen";
    public const string NormAttribute = "NormGen.NormAttribute";
    public const string LayerNormAttribute = "NormGen.LayerNormAttribute";
    public const string RmsNormAttribute = "NormGen.RmsNormAttribute";
    public const string BatchNormAttribute = "NormGen.BatchNormAttribute";
    public const string GroupNormAttribute = "NormGen.GroupNormAttribute";
    public const string InstanceNormAttribute = "NormGen.InstanceNormAttribute";
    public const string TensorLayoutAttribute = "NormGen.TensorLayoutAttribute";

    /// <summary>TorchSharp's entry type; a compilation that has it gets TorchSharp modules.</summary>
    public const string TorchSharpTorch = "TorchSharp.torch";

    /// <summary>The tool name the emitter writes in <c>[GeneratedCode]</c>.</summary>
    public const string GeneratorTool = "NormGen";

    public static bool Is(INamedTypeSymbol? type, string simpleName) =>
        type is not null
        && type.Name == simpleName
        && type.ContainingNamespace is { Name: Namespace, ContainingNamespace.IsGlobalNamespace: true };

    public static bool IsNormAttribute(INamedTypeSymbol? type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            if (Is(current, "NormAttribute"))
            {
                return true;
            }
        }

        return false;
    }
}
