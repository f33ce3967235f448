using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace NormGen.Analyzers.Helpers;

internal static class AttributeArguments
{
    /// <summary>
    /// The value written for the named property <paramref name="name"/> of an attribute application
    /// (<c>[BatchNorm("bn", Momentum = 0.99)]</c>), or null when it is not set.
    /// </summary>
    public static IOperation? NamedArgument(this IAttributeOperation attribute, string name)
    {
        if (attribute.Operation is not IObjectCreationOperation { Initializer: { } initializer })
        {
            return null;
        }

        foreach (IOperation assignment in initializer.Initializers)
        {
            if (assignment is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property } simple &&
                property.Property.Name == name)
            {
                return simple.Value;
            }
        }

        return null;
    }

    /// <summary>The attribute class of an attribute application, or null for a broken one.</summary>
    public static INamedTypeSymbol? AttributeClass(this IAttributeOperation attribute) =>
        (attribute.Operation as IObjectCreationOperation)?.Constructor?.ContainingType;
}
