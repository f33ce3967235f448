using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace NormGen.Analyzers.Helpers;

internal static class OperationQueries
{
    /// <summary>
    /// The argument the caller wrote for <paramref name="parameterName"/>, or null when the
    /// parameter takes its default value.
    /// </summary>
    public static IArgumentOperation? ExplicitArgument(this IInvocationOperation invocation, string parameterName)
    {
        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            if (argument.Parameter?.Name == parameterName)
            {
                return argument.ArgumentKind == ArgumentKind.DefaultValue || argument.IsImplicit ? null : argument;
            }
        }

        return null;
    }

    /// <summary>The operation under any conversions (implicit, user-defined such as <c>Scalar</c>, or written casts).</summary>
    public static IOperation WithoutConversions(this IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    /// <summary>The compile-time value of an operation, looking through conversions, as a double.</summary>
    public static double? ConstantDouble(this IOperation operation)
    {
        for (IOperation? current = operation; current is not null;)
        {
            if (current.ConstantValue is { HasValue: true, Value: { } value } && ToDouble(value) is { } number)
            {
                return number;
            }

            current = current is IConversionOperation conversion ? conversion.Operand : null;
        }

        return null;
    }

    /// <summary>The compile-time integer value of an operation, looking through conversions.</summary>
    public static long? ConstantInt64(this IOperation operation)
    {
        for (IOperation? current = operation; current is not null;)
        {
            if (current.ConstantValue is { HasValue: true, Value: { } value })
            {
                return value switch
                {
                    int i => i,
                    long l => l,
                    short s => s,
                    sbyte sb => sb,
                    byte b => b,
                    ushort us => us,
                    uint ui => ui,
                    _ => null,
                };
            }

            current = current is IConversionOperation conversion ? conversion.Operand : null;
        }

        return null;
    }

    public static bool? ConstantBoolean(this IOperation operation) =>
        operation.WithoutConversions().ConstantValue is { HasValue: true, Value: bool value } ? value : null;

    private static double? ToDouble(object value) => value switch
    {
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        decimal m => (double)m,
        short s => s,
        byte b => b,
        _ => null,
    };

    /// <summary>The symbol a receiver expression names (a local, parameter, field or property), or null.</summary>
    public static ISymbol? ReferencedSymbol(this IOperation? operation) => operation?.WithoutConversions() switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        IFieldReferenceOperation field when IsThisOrStatic(field.Instance) => field.Field,
        IPropertyReferenceOperation property when IsThisOrStatic(property.Instance) => property.Property,
        _ => null,
    };

    private static bool IsThisOrStatic(IOperation? instance) =>
        instance is null || instance is IInstanceReferenceOperation;

    /// <summary>Formats a double the way a C# literal would be written (round-trip, invariant).</summary>
    public static string ToLiteralText(double value) =>
        value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    public static bool IsFinite(double value) => !double.IsNaN(value) && !double.IsInfinity(value);

    /// <summary>Finds the closest ancestor of a given kind.</summary>
    public static T? Ancestor<T>(this IOperation operation)
        where T : class, IOperation
    {
        for (IOperation? current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }

}
